import type { JobState } from '../../domain/jobState.js';
import type { StoredEvent } from '../../domain/storedEvent.js';
import { projectJobEvent } from '../../projections/applyToReadModel.js';
import { jobListRow } from '../../projections/jobListProjection.js';

/**
 * Folds events onto the projected state of one job as every read model does (memoryReadModel.applySync): an
 * event that does not decode, or a state without a list row, leaves the job as it was. `undefined` = no row.
 */
export const foldProjection = (
  start: JobState | undefined,
  events: readonly StoredEvent[],
): JobState | undefined => {
  let state = start;
  for (const event of events) {
    const next = projectJobEvent(state, event);
    if (next !== undefined && jobListRow(next.state) !== undefined) state = next.state;
  }
  return state;
};

/** One list of a job in a projection payload: `from` null = unchanged, 0 = rewrite, n = items from n are new. */
interface ListChange {
  readonly from: number | null;
  readonly items: readonly unknown[];
}

/** What `write_projections` (migrations.ts) takes for one job. */
export type JobProjectionPayload =
  | { readonly jobId: string; readonly delete: true }
  | {
      readonly jobId: string;
      /** The version of the row this payload applies on top of; null for a whole write. */
      readonly base: number | null;
      readonly row: Record<string, unknown>;
      readonly state: JobState;
      /** The agents that reported on the job, in the order they first did (one row each). */
      readonly agents: ListChange;
      readonly access: ListChange;
    };

/** The index from which `after` only appended to `before`: null when equal, 0 when it changed otherwise. */
const appendedFrom = <T>(before: readonly T[] | undefined, after: readonly T[]): number | null => {
  if (before === undefined) return 0;
  if (before === after) return null;
  if (after.length < before.length) return 0;
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) return 0;
  return after.length === before.length ? null : before.length;
};

/** The agents in a job's status history, each once, in the order they first appear. */
const agentsOf = (state: JobState): readonly string[] => {
  const agents: string[] = [];
  for (const status of state.job?.statusHistory ?? []) {
    if (status.agentId !== null && !agents.includes(status.agentId)) agents.push(status.agentId);
  }
  return agents;
};

/** The change of the agents list from `before` (undefined: nothing stored) to `after`. */
const listOf = (before: readonly string[] | undefined, after: readonly string[]): ListChange => ({
  from: appendedFrom(before, after),
  items: after.map((agentId, seq) => ({ seq, agentId })),
});

/**
 * The payload that moves the projection of job `jobId` from `before` (what the table holds, undefined for none)
 * to `after`. Lists that only grew send their new tail; the SQL side rewrites a list whole when the stored row
 * is not at `before`'s version, so the payload is safe on a damaged read model too. Pass `before: undefined`
 * with `whole: true` to write a job from scratch (rebuild).
 */
export const jobProjectionPayload = (
  jobId: string,
  before: JobState | undefined,
  after: JobState,
  whole = false,
): JobProjectionPayload => {
  const row = jobListRow(after);
  const job = after.job;
  if (row === undefined || job === null) return { jobId, delete: true };
  const previous = whole ? undefined : (before?.job ?? undefined);
  return {
    jobId,
    base: whole || before === undefined ? null : before.version,
    row: {
      tenantId: row.tenantId,
      status: row.status,
      created: row.created,
      createdById: row.createdById,
      agentId: row.agentId,
      assignedAgentId: row.assignedAgentId,
      assignedAgentPoolId: row.assignedAgentPoolId,
      modelId: row.modelId,
      functionId: row.functionId,
      archived: row.archived,
      leaseExpiresAt: row.leaseExpiresAt,
      version: row.version,
    },
    state: after,
    agents: listOf(previous === undefined ? undefined : agentsOf(before!), agentsOf(after)),
    // Grants change in place (update, revoke): any other list is rewritten whole.
    access: {
      from: previous === undefined ? 0 : before!.access === after.access ? null : 0,
      items: after.access.map((a, seq) => ({
        seq,
        id: a.id,
        subjectType: a.subjectType,
        subjectId: a.subjectId,
        // Email grants match case-insensitively (policy.relationOf): they are keyed lower-cased.
        key: a.subjectType === 'email' ? a.subjectId.toLowerCase() : a.subjectId,
        relation: a.relation,
        created: a.created,
        createdById: a.createdById,
      })),
    },
  };
};

/**
 * The JSON of payloads for `write_projections`. Postgres text and jsonb cannot hold U+0000, so in the read model
 * (never in the log, whose `json` columns keep it) it becomes U+FFFD.
 */
export const projectionJson = (payloads: readonly JobProjectionPayload[]): string => {
  const json = JSON.stringify(payloads);
  return json.includes('\\u0000')
    ? JSON.stringify(payloads, (_key, value: unknown) =>
        typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD') : value,
      )
    : json;
};
