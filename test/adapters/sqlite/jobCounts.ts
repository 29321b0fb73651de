import Database from 'better-sqlite3';

/**
 * Where `job_counts` (migration 2) disagrees with the job rows of `file`: one line per (tenant, creator,
 * status, archived) whose count differs from a count of the rows. Empty when they agree.
 */
export const jobCountDrift = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT k.tenant_id, k.created_by_id, k.status, k.archived,
           coalesce((SELECT c.n FROM job_counts c WHERE c.tenant_id = k.tenant_id
             AND c.created_by_id = k.created_by_id AND c.status = k.status AND c.archived = k.archived), 0) AS kept,
           (SELECT count(*) FROM jobs j WHERE j.tenant_id = k.tenant_id AND j.created_by_id = k.created_by_id
             AND j.status = k.status AND j.archived = k.archived) AS counted
         FROM (SELECT tenant_id, created_by_id, status, archived FROM job_counts
               UNION SELECT tenant_id, created_by_id, status, archived FROM jobs) k`,
      )
      .all() as {
      tenant_id: string;
      created_by_id: string;
      status: string;
      archived: number;
      kept: number;
      counted: number;
    }[];
    return rows
      .filter((r) => r.kept !== r.counted)
      .map(
        (r) =>
          `${r.tenant_id}/${r.created_by_id}/${r.status}/${r.archived}: kept ${r.kept}, counted ${r.counted}`,
      );
  } finally {
    db.close();
  }
};
