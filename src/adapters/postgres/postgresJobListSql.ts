import type { JobCursor, JobListQuery, Viewer } from '../../projections/jobListProjection.js';

/** Collects the parameters of one statement and names them `$1`, `$2`, ... */
export class SqlArgs {
  readonly values: unknown[] = [];
  /** The placeholder of `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

type Condition = (args: SqlArgs) => string | undefined;

const all = (args: SqlArgs, conditions: readonly Condition[]): string =>
  conditions
    .map((c) => c(args))
    .filter((sql): sql is string => sql !== undefined)
    .join(' AND ') || 'true';

const equals =
  (column: string, value: string | undefined): Condition =>
  (args) =>
    value === undefined ? undefined : `j.${column} = ${args.add(value)}`;

/** `rowMatches` (jobListProjection.ts) in SQL: every filter of a list query. */
export const filterSql = (q: JobListQuery, args: SqlArgs): string =>
  all(args, [
    equals('status', q.status),
    equals('agent_id', q.agentId),
    equals('assigned_agent_id', q.assignedAgentId),
    equals('assigned_agent_pool_id', q.assignedAgentPoolId),
    equals('model_id', q.modelId),
    equals('created_by_id', q.createdById),
    equals('function_id', q.functionId),
    () =>
      q.archiveStatus === 'all' ? undefined : `${q.archiveStatus === 'archived' ? '' : 'NOT '}j.archived`,
    (a) => (q.createdAfter === undefined ? undefined : `j.created >= ${a.add(q.createdAfter)}`),
    (a) => (q.createdBefore === undefined ? undefined : `j.created < ${a.add(q.createdBefore)}`),
  ]);

/**
 * `relationOf(viewer, state) !== 'none'` (policy.ts) in SQL. The system sees everything; nobody else sees
 * another tenant. A user sees a job as administrator, as its creator, or through a grant to its id or (case
 * insensitively) its email; an agent sees what it holds, held (it reported on it: `job_agents`), is assigned
 * (itself or one of its pools), or was granted.
 */
export const visibilitySql = (viewer: Viewer, args: SqlArgs, q: (table: string) => string): string => {
  if (viewer.kind === 'system') return 'true';
  const tenant = `j.tenant_id = ${args.add(viewer.tenantId)}`;
  if (viewer.kind === 'user') {
    if (viewer.roles?.includes('administrator')) return tenant;
    const id = args.add(viewer.id);
    const grants = [
      `SELECT a.job_id FROM ${q('access')} a WHERE a.subject_type = 'user' AND a.subject_key = ${id}`,
    ];
    // Email grants are stored lower-cased (postgresProjection.ts).
    if (viewer.email !== undefined) {
      grants.push(
        `SELECT a.job_id FROM ${q('access')} a WHERE a.subject_type = 'email' AND a.subject_key = ${args.add(viewer.email.toLowerCase())}`,
      );
    }
    return `${tenant} AND (j.created_by_id = ${id} OR j.job_id IN (${grants.join(' UNION ALL ')}))`;
  }
  const id = args.add(viewer.id);
  return `${tenant} AND (j.agent_id = ${id} OR j.assigned_agent_id = ${id}
    OR j.assigned_agent_pool_id = ANY(${args.add(viewer.poolIds ?? [])}::text[])
    OR j.job_id IN (SELECT h.job_id FROM ${q('job_agents')} h WHERE h.agent_id = ${id}
      UNION ALL SELECT a.job_id FROM ${q('access')} a WHERE a.subject_type = 'agent' AND a.subject_key = ${id}))`;
};

/** `isAfterCursor` in SQL: rows strictly after the cursor in its sort order (keyset paging). */
export const cursorSql = (cursor: JobCursor, args: SqlArgs): string =>
  `(j.created, j.job_id) ${cursor.sort === 'created' ? '>' : '<'} (${args.add(new Date(cursor.created))}, ${args.add(cursor.id)})`;

/** The ORDER BY of `compareRows(sort)`. */
export const orderSql = (sort: JobListQuery['sort']): string =>
  sort === 'created' ? 'j.created ASC, j.job_id ASC' : 'j.created DESC, j.job_id DESC';
