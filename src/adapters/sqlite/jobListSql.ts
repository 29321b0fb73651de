import type { JobCursor, JobListQuery, Viewer } from '../../projections/jobListProjection.js';

/** A piece of SQL over `jobs j` with its positional arguments. */
export interface SqlCondition {
  readonly sql: string;
  readonly args: readonly unknown[];
}

const all = (conditions: readonly SqlCondition[]): SqlCondition => ({
  sql: conditions.length === 0 ? '1' : conditions.map((c) => c.sql).join(' AND '),
  args: conditions.flatMap((c) => c.args),
});

const equals = (column: string, value: string | undefined): SqlCondition[] =>
  value === undefined ? [] : [{ sql: `j.${column} = ?`, args: [value] }];

/** `rowMatches` (jobListProjection.ts) in SQL: every filter of a list query. */
export const filterSql = (q: JobListQuery): SqlCondition =>
  all([
    ...equals('status', q.status),
    ...equals('agent_id', q.agentId),
    ...equals('assigned_agent_id', q.assignedAgentId),
    ...equals('assigned_agent_pool_id', q.assignedAgentPoolId),
    ...equals('model_id', q.modelId),
    ...equals('created_by_id', q.createdById),
    ...equals('function_id', q.functionId),
    ...(q.archiveStatus === 'all'
      ? []
      : [{ sql: 'j.archived = ?', args: [q.archiveStatus === 'archived' ? 1 : 0] }]),
    ...(q.createdAfter === undefined ? [] : [{ sql: 'j.created >= ?', args: [q.createdAfter.getTime()] }]),
    ...(q.createdBefore === undefined ? [] : [{ sql: 'j.created < ?', args: [q.createdBefore.getTime()] }]),
  ]);

const any = (conditions: readonly SqlCondition[]): SqlCondition => ({
  sql: `(${conditions.map((c) => c.sql).join(' OR ')})`,
  args: conditions.flatMap((c) => c.args),
});

// Non-correlated subqueries: SQLite builds each set once per statement, then checks rows against it, instead
// of running a subquery for every row it scans.
const grantedTo = (
  subjects: readonly { readonly type: 'user' | 'agent' | 'email'; readonly key: string }[],
) =>
  subjects.map((s) => ({
    sql: `SELECT job_id FROM access WHERE subject_type = '${s.type}' AND subject_key = ?`,
    args: [s.key],
  }));

const jobIdIn = (sets: readonly SqlCondition[]): SqlCondition => ({
  sql: `j.job_id IN (${sets.map((s) => s.sql).join(' UNION ALL ')})`,
  args: sets.flatMap((s) => s.args),
});

/** The sets of jobs granted to a user: by id, and (case insensitively) by email. */
const grantedToUser = (viewer: Extract<Viewer, { readonly kind: 'user' }>) => ({
  sets: grantedTo([
    { type: 'user', key: viewer.id },
    // Email grants are stored lower-cased (sqliteProjection.ts).
    ...(viewer.email === undefined ? [] : [{ type: 'email' as const, key: viewer.email.toLowerCase() }]),
  ]),
});

/**
 * `relationOf(viewer, state) !== 'none'` (policy.ts) in SQL. The system sees everything; nobody else sees
 * another tenant. A user sees a job as administrator, as its creator, or through a grant to its id or (case
 * insensitively) its email; an agent sees what it holds, held (it appears in the status history), is assigned
 * (itself or one of its pools), or was granted.
 */
export const visibilitySql = (viewer: Viewer): SqlCondition => {
  if (viewer.kind === 'system') return all([]);
  const tenant = { sql: 'j.tenant_id = ?', args: [viewer.tenantId] };
  if (viewer.kind === 'user') {
    if (viewer.roles?.includes('administrator')) return tenant;
    return all([
      tenant,
      any([{ sql: 'j.created_by_id = ?', args: [viewer.id] }, jobIdIn(grantedToUser(viewer).sets)]),
    ]);
  }
  return all([
    tenant,
    any([
      { sql: 'j.agent_id = ?', args: [viewer.id] },
      { sql: 'j.assigned_agent_id = ?', args: [viewer.id] },
      {
        sql: 'j.assigned_agent_pool_id IN (SELECT value FROM json_each(?))',
        args: [JSON.stringify(viewer.poolIds ?? [])],
      },
      jobIdIn([
        { sql: 'SELECT job_id FROM job_agents WHERE agent_id = ?', args: [viewer.id] },
        ...grantedTo([{ type: 'agent', key: viewer.id }]),
      ]),
    ]),
  ]);
};

/**
 * The statements whose results add up to the `total` of a listing, from `job_counts` (migration 2), when the
 * query filters on nothing but status, creator and archive status and the viewer is the system, an
 * administrator or a user: the counts of the jobs the viewer sees as administrator or creator, plus for a user
 * the jobs granted to them that someone else created, counted from their grants. Undefined otherwise (an
 * agent, other filters): then the rows are counted.
 */
export const countedTotalSql = (q: JobListQuery, viewer: Viewer): SqlCondition[] | undefined => {
  if (viewer.kind === 'agent') return undefined;
  const others = [q.agentId, q.assignedAgentId, q.assignedAgentPoolId, q.modelId, q.functionId];
  if (others.some((v) => v !== undefined) || q.createdAfter !== undefined || q.createdBefore !== undefined) {
    return undefined;
  }
  const owner = viewer.kind === 'user' && !viewer.roles?.includes('administrator') ? viewer : undefined;
  const counted = all([
    ...(viewer.kind === 'system' ? [] : [{ sql: 'c.tenant_id = ?', args: [viewer.tenantId] }]),
    ...(owner === undefined ? [] : [{ sql: 'c.created_by_id = ?', args: [owner.id] }]),
    ...(q.status === undefined ? [] : [{ sql: 'c.status = ?', args: [q.status] }]),
    ...(q.createdById === undefined ? [] : [{ sql: 'c.created_by_id = ?', args: [q.createdById] }]),
    ...(q.archiveStatus === 'all'
      ? []
      : [{ sql: 'c.archived = ?', args: [q.archiveStatus === 'archived' ? 1 : 0] }]),
  ]);
  const statements = [
    { sql: `SELECT coalesce(sum(c.n), 0) FROM job_counts c WHERE ${counted.sql}`, args: counted.args },
  ];
  if (owner !== undefined) {
    // Each granted job once (UNION), joined in that order (CROSS JOIN): the grants are few, the jobs many.
    const grants = grantedToUser(owner);
    const filters = filterSql(q);
    statements.push({
      sql: `SELECT count(*) FROM (${grants.sets.map((g) => g.sql).join(' UNION ')}) g
            CROSS JOIN jobs j ON j.job_id = g.job_id
            WHERE j.tenant_id = ? AND j.created_by_id <> ? AND ${filters.sql}`,
      args: [...grants.sets.flatMap((g) => g.args), owner.tenantId, owner.id, ...filters.args],
    });
  }
  return statements;
};

/** `isAfterCursor` in SQL: rows strictly after the cursor in its sort order (keyset paging). */
export const cursorSql = (cursor: JobCursor): SqlCondition => ({
  sql: `(j.created, j.job_id) ${cursor.sort === 'created' ? '>' : '<'} (?, ?)`,
  args: [new Date(cursor.created).getTime(), cursor.id],
});

/** The ORDER BY of `compareRows(sort)`. */
export const orderSql = (sort: JobListQuery['sort']): string =>
  sort === 'created' ? 'j.created ASC, j.job_id ASC' : 'j.created DESC, j.job_id DESC';

/**
 * `claimableBy` (jobListProjection.ts) in SQL, but for the functions: Pending, not archived, same tenant,
 * assigned to nobody or to the agent, to no pool or one of its pools. {@link claimCandidatesSql} adds the
 * functions asked for, one index walk each.
 */
const claimableSql = (agent: {
  readonly id: string;
  readonly tenantId: string;
  readonly poolIds?: readonly string[];
}): SqlCondition =>
  all([
    { sql: "j.status = 'Pending'", args: [] },
    { sql: 'j.tenant_id = ?', args: [agent.tenantId] },
    { sql: 'j.archived = 0', args: [] },
    { sql: '(j.assigned_agent_id IS NULL OR j.assigned_agent_id = ?)', args: [agent.id] },
    // The pools as placeholders, not json_each: a table-valued function costs every claim a bloom filter.
    (agent.poolIds ?? []).length === 0
      ? { sql: 'j.assigned_agent_pool_id IS NULL', args: [] }
      : {
          sql: `(j.assigned_agent_pool_id IS NULL OR j.assigned_agent_pool_id IN (${agent.poolIds!.map(() => '?').join(', ')}))`,
          args: [...agent.poolIds!],
        },
  ]);

/**
 * The statement of `claimCandidates`: the ids of the oldest `limit` jobs `agent` may claim. Both forms name
 * their index (INDEXED BY): left to itself, the planner may walk a tenant's jobs in created order and read
 * every finished job older than the first Pending one (a claim would cost more with every job done), or prefer
 * jobs_claimable over the function index and scan the whole queue when a function matches nothing.
 */
export const claimCandidatesSql = (
  agent: { readonly id: string; readonly tenantId: string; readonly poolIds?: readonly string[] },
  functionIds: readonly string[] | undefined,
  limit: number,
): SqlCondition => {
  const claimable = claimableSql(agent);
  if (functionIds === undefined || functionIds.length === 0) {
    return {
      sql: `SELECT j.job_id FROM jobs j INDEXED BY jobs_claimable WHERE ${claimable.sql}
            ORDER BY j.created ASC, j.job_id ASC LIMIT ?`,
      args: [...claimable.args, limit],
    };
  }
  // One index walk per function (jobs_claimable_by_function), merged: the oldest `limit` of each, then of all.
  const functions = [...new Set(functionIds)];
  const branch = `SELECT * FROM (SELECT j.job_id, j.created FROM jobs j INDEXED BY jobs_claimable_by_function
    WHERE ${claimable.sql}
    AND j.function_id = ? ORDER BY j.created ASC, j.job_id ASC LIMIT ?)`;
  return {
    sql: `SELECT job_id FROM (${functions.map(() => branch).join(' UNION ALL ')})
          ORDER BY created ASC, job_id ASC LIMIT ?`,
    args: [...functions.flatMap((fn) => [...claimable.args, fn, limit]), limit],
  };
};
