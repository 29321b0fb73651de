import type pg from 'pg';
import type { PostgresNames } from './migrations.js';

/** An agent as `claimCandidates` takes it. */
export interface CandidateAgent {
  readonly id: string;
  readonly tenantId: string;
  readonly poolIds?: readonly string[];
}

/** What one agent may claim first: job ids, the unlocked ones (oldest first) before the locked ones. */
export interface Candidates {
  readonly ids: readonly string[];
  /** How many of `ids`, from the start, no other writer held when they were read. */
  readonly unlocked: number;
}

/** How many more Pending rows than asked an agent looks at, to offer unlocked ones first. */
export const claimWindow = 16;

interface Row {
  readonly job_id: string;
  readonly locked: boolean;
  readonly assigned_agent_id: string | null;
  readonly assigned_agent_pool_id: string | null;
}

interface Ask {
  readonly agent: CandidateAgent;
  readonly functions: readonly string[];
  readonly limit: number;
  readonly resolve: (c: Candidates) => void;
  readonly reject: (error: unknown) => void;
}

const eligible = (agent: CandidateAgent) => (row: Row) =>
  (row.assigned_agent_id === null || row.assigned_agent_id === agent.id) &&
  (row.assigned_agent_pool_id === null || (agent.poolIds ?? []).includes(row.assigned_agent_pool_id));

/**
 * `agent`'s candidates among `rows` (the oldest eligible for a group of agents, in created order): its oldest
 * `limit + claimWindow`, the unlocked ones first, `limit` of them. Undefined when `rows` cannot tell (the window
 * was full and this agent saw fewer than that in it: older ones of its own may lie beyond).
 */
export const candidatesOf = (
  rows: readonly Row[],
  full: boolean,
  agent: CandidateAgent,
  limit: number,
): Candidates | undefined => {
  const own = rows.filter(eligible(agent));
  if (full && own.length < limit + claimWindow) return undefined;
  const window = own.slice(0, limit + claimWindow);
  const ids = [...window.filter((r) => !r.locked), ...window.filter((r) => r.locked)]
    .slice(0, limit)
    .map((r) => r.job_id);
  const unlocked = Math.min(limit, window.filter((r) => !r.locked).length);
  return { ids, unlocked };
};

/**
 * The candidate queries of one Postgres read model. Agents of one tenant (and function filter) asking in the same
 * turn of the event loop — the agents of a busy instance, released together by one group commit — share one
 * query: the oldest Pending jobs any of them may claim, each row with its assignment, split per agent here. An
 * agent the shared window cannot answer for exactly (see {@link candidatesOf}) gets a query of its own, so each
 * agent's answer is the one its own query would give. Jobs whose stream another writer holds right now are
 * marked `locked` (a shared try-lock that lasts only the statement): they come after the others. The rule is
 * `claimableBy` (jobListProjection.ts): Pending, not archived, same tenant, assigned to nobody or to the agent,
 * to no pool or one of its pools, running one of the functions asked for.
 */
export const claimCandidateQueries = (pool: pg.Pool, names: PostgresNames) => {
  const jobs = names.q('jobs');
  let groups = new Map<string, Ask[]>();
  let due = false;
  // One text per number of functions: each is prepared once per connection under a name of its own.
  const statements = new Map<string, string>();
  const nameOf = (text: string): { name?: string } => {
    let name = statements.get(text);
    if (name === undefined && statements.size < 32) {
      name = `${names.schema}:claim-${statements.size}`;
      statements.set(text, name);
    }
    return name === undefined ? {} : { name };
  };

  /** The oldest `window` Pending jobs of `tenantId` that one of `asks`' agents may claim, in created order. */
  const query = async (asks: readonly Ask[], window: number): Promise<Row[]> => {
    const { tenantId } = asks[0]!.agent;
    const functions = asks[0]!.functions;
    const values: unknown[] = [
      tenantId,
      [...new Set(asks.map((a) => a.agent.id))],
      [...new Set(asks.flatMap((a) => a.agent.poolIds ?? []))],
      window,
      ...functions,
    ];
    const claimable = `j.status = 'Pending' AND NOT j.archived AND j.tenant_id = $1
      AND (j.assigned_agent_id IS NULL OR j.assigned_agent_id = ANY($2::text[]))
      AND (j.assigned_agent_pool_id IS NULL OR j.assigned_agent_pool_id = ANY($3::text[]))`;
    const columns = 'j.job_id, j.created, j.assigned_agent_id, j.assigned_agent_pool_id';
    // With a function filter: one walk of jobs_claimable_by_function per function, merged, so that a filter
    // that matches nothing is one index probe per function rather than a scan of the tenant's queue.
    const source =
      functions.length === 0
        ? `SELECT ${columns} FROM ${jobs} j WHERE ${claimable} ORDER BY j.created, j.job_id LIMIT $4 OFFSET 0`
        : `SELECT u.* FROM (${functions
            .map(
              (_, i) => `(SELECT ${columns} FROM ${jobs} j WHERE ${claimable} AND j.function_id = $${i + 5}
                ORDER BY j.created, j.job_id LIMIT $4)`,
            )
            .join(' UNION ALL ')}) u ORDER BY u.created, u.job_id LIMIT $4 OFFSET 0`;
    const text = `SELECT c.job_id, c.assigned_agent_id, c.assigned_agent_pool_id,
        NOT pg_try_advisory_xact_lock_shared(${names.writerLockClass}, hashtext('job-' || c.job_id)) AS locked
      FROM (${source}) c ORDER BY c.created, c.job_id`;
    return (await pool.query<Row>({ ...nameOf(text), text, values })).rows;
  };

  const answer = async (asks: readonly Ask[]): Promise<void> => {
    try {
      const window = asks.reduce((sum, a) => sum + a.limit, 0) + claimWindow;
      const rows = await query(asks, window);
      const full = rows.length === window;
      const alone: Ask[] = [];
      for (const ask of asks) {
        const found = candidatesOf(rows, full && asks.length > 1, ask.agent, ask.limit);
        if (found === undefined) alone.push(ask);
        else ask.resolve(found);
      }
      await Promise.all(alone.map((ask) => answer([ask])));
    } catch (error) {
      for (const ask of asks) ask.reject(error);
    }
  };

  const flush = (): void => {
    due = false;
    const asked = groups;
    groups = new Map();
    for (const asks of asked.values()) void answer(asks);
  };

  return {
    /** `agent`'s candidates, `limit` at most, oldest first with the locked ones last (see above). */
    candidates(
      agent: CandidateAgent,
      functionIds: readonly string[] | undefined,
      limit: number,
    ): Promise<Candidates> {
      const functions = functionIds === undefined ? [] : [...new Set(functionIds)].sort();
      const key = JSON.stringify([agent.tenantId, functions]);
      return new Promise<Candidates>((resolve, reject) => {
        const group = groups.get(key);
        const ask = { agent, functions, limit, resolve, reject };
        if (group === undefined) groups.set(key, [ask]);
        else group.push(ask);
        if (!due) {
          due = true;
          queueMicrotask(flush);
        }
      });
    },
  };
};
