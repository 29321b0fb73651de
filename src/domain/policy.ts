import type { JobState } from './jobState.js';
import type { JobStatusName } from './JobStatusName.js';
import type { AccessRelation, AccessRelationship } from './model.js';
import type { Principal } from './principal.js';

/** How much a principal may do with one job, weakest first. */
export type EffectiveRelation = 'none' | AccessRelation | 'system';

const rank: Record<EffectiveRelation, number> = {
  none: 0,
  viewer: 1,
  editor: 2,
  owner: 3,
  administrator: 4,
  system: 5,
};

/** True when `have` is at least `need`. */
export const atLeast = (have: EffectiveRelation, need: EffectiveRelation): boolean =>
  rank[have] >= rank[need];

const grantsFor = (principal: Principal, access: readonly AccessRelationship[]): AccessRelation[] =>
  access
    .filter(
      (a) =>
        (a.subjectType === principal.kind && a.subjectId === principal.id) ||
        (principal.kind === 'user' &&
          a.subjectType === 'email' &&
          principal.email !== undefined &&
          a.subjectId.toLowerCase() === principal.email.toLowerCase()),
    )
    .map((a) => a.relation);

const strongest = (relations: readonly EffectiveRelation[]): EffectiveRelation =>
  relations.reduce<EffectiveRelation>((best, r) => (rank[r] > rank[best] ? r : best), 'none');

/**
 * The relation of `principal` to the job in `state`. Another tenant's job is always `none`, so that a stranger
 * gets NotFound and never a hint that the job exists.
 */
export const relationOf = (principal: Principal, state: JobState): EffectiveRelation => {
  const job = state.job;
  if (job === null) return 'none';
  if (principal.kind === 'system') return 'system';
  if (principal.tenantId !== job.tenantId) return 'none';
  const grants = grantsFor(principal, state.access);
  if (principal.kind === 'user') {
    if (principal.roles?.includes('administrator')) return 'administrator';
    return strongest([...(job.createdById === principal.id ? (['owner'] as const) : []), ...grants]);
  }
  // Agents see the jobs they hold, held, or that are assigned to them or to one of their pools.
  const involved =
    job.agentId === principal.id ||
    job.assignedAgentId === principal.id ||
    (job.assignedAgentPoolId !== null && (principal.poolIds ?? []).includes(job.assignedAgentPoolId)) ||
    job.statusHistory.some((s) => s.agentId === principal.id);
  return strongest([...(involved ? (['viewer'] as const) : []), ...grants]);
};

/** Who drives an edge: the agent holding the claim, an editor (or the system), or nobody by `updateStatus`. */
export type EdgeDriver = 'holder' | 'editor' | 'claim';

/**
 * Who may drive `from -> to` (DESIGN section 2). Only called for edges the machine has.
 * - holder: edges into Validating, Running, Uploading, Completed, and agent-reported Failed/Unknown/release.
 * - editor: submit, requeue, cancel, and failing a job no agent holds.
 * - claim: Pending -> Claimed, only through getJobForAgent.
 */
export const edgeDriver = (from: JobStatusName, to: JobStatusName): EdgeDriver => {
  switch (to) {
    case 'Claimed':
      return 'claim';
    case 'Pending':
      return from === 'Claimed' || from === 'Validating' ? 'holder' : 'editor';
    case 'Canceled':
      return 'editor';
    case 'Failed':
      return from === 'Created' || from === 'Pending' ? 'editor' : 'holder';
    default:
      return 'holder';
  }
};
