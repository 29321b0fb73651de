import * as E from 'fp-ts/lib/Either.js';
import type { JobEvent, JobEventData, StatusChangeReason } from './codecs/events.js';
import { JobError } from './errors.js';
import type { LeaseRenewal } from './EventStore.js';
import type { JobState } from './jobState.js';
import { isTerminalStatus, leasedStatuses, type JobStatusName } from './JobStatusName.js';
import type { AccessRelation, AccessSubjectType } from './model.js';
import { atLeast, edgeDriver, relationOf, type EffectiveRelation } from './policy.js';
import type { Principal } from './principal.js';
import { allowedTargets, canTransition } from './transitionTable.js';

type CreateData = JobEventData['JobCreated'];

/** A request to change one job. Inputs are already decoded; ids and time come in through {@link DecideContext}. */
export type JobCommand =
  | {
      readonly type: 'CreateJob';
      readonly jobId: string;
      readonly tenantId: string;
      readonly function: CreateData['function'];
      readonly file: CreateData['file'];
      readonly modelId?: string;
      readonly assignedAgentId?: string;
      readonly assignedAgentPoolId?: string;
      readonly draft?: boolean;
      /** True when the file's content was stored in the blob store (its size and sha256 are in `file`). */
      readonly fileStored?: boolean;
    }
  | { readonly type: 'SubmitJob' }
  | {
      readonly type: 'ChangeStatus';
      readonly to: JobStatusName;
      readonly message?: string;
      readonly agentId?: string;
    }
  | { readonly type: 'CancelJob'; readonly message?: string }
  | { readonly type: 'AssignAgent'; readonly agentId: string }
  | { readonly type: 'ClaimJob' }
  | { readonly type: 'Heartbeat' }
  | { readonly type: 'ExpireLease' }
  | { readonly type: 'ArchiveJob'; readonly reason?: string }
  | { readonly type: 'RestoreJob'; readonly reason?: string }
  | { readonly type: 'UpdateProperties'; readonly properties: JobEventData['JobPropertiesUpdated'] }
  | { readonly type: 'AddComment'; readonly content: string }
  | {
      readonly type: 'GrantAccess';
      readonly subjectType: AccessSubjectType;
      readonly subjectId: string;
      readonly relation: AccessRelation;
    }
  | { readonly type: 'UpdateAccess'; readonly accessId: string; readonly relation: AccessRelation }
  | { readonly type: 'RevokeAccess'; readonly accessId: string }
  | {
      readonly type: 'UploadResult';
      /** Name, size, sha256 and mime of content already in the blob store. */
      readonly file: Omit<JobEventData['JobFileRevisionAdded'], 'revision'>;
    };

/** What `decide` needs from outside: who asks, when, fresh ids and the lease length. */
export interface DecideContext {
  readonly principal: Principal;
  readonly now: Date;
  readonly newId: () => string;
  readonly leaseMs: number;
}

type Decision = E.Either<JobError, JobEvent[]>;

const ok = (...events: JobEvent[]): Decision => E.right(events);
const fail = (error: JobError): Decision => E.left(error);

const leaseUntil = (ctx: DecideContext): string => new Date(ctx.now.getTime() + ctx.leaseMs).toISOString();

const need = (have: EffectiveRelation, required: EffectiveRelation, what: string): JobError | undefined =>
  atLeast(have, required)
    ? undefined
    : JobError.forbidden(`${what} needs ${required} access to the job; ask its owner`);

/** Creating: the job must not exist; users create in their own tenant and become its owner. */
const decideCreate = (
  cmd: Extract<JobCommand, { type: 'CreateJob' }>,
  state: JobState,
  ctx: DecideContext,
): Decision => {
  if (state.job !== null)
    return fail(JobError.conflict(`job ${cmd.jobId} already exists`, { jobId: cmd.jobId }));
  const p = ctx.principal;
  if (p.kind === 'agent')
    return fail(JobError.forbidden('agents run jobs; a user or the system creates them'));
  if (p.kind === 'user' && p.tenantId !== cmd.tenantId) {
    return fail(JobError.forbidden(`user ${p.id} may only create jobs in tenant ${p.tenantId}`));
  }
  const created: JobEvent = {
    type: 'JobCreated',
    data: {
      jobId: cmd.jobId,
      tenantId: cmd.tenantId,
      function: cmd.function,
      file: cmd.file,
      statusId: ctx.newId(),
      archiveStatusId: ctx.newId(),
      ...(cmd.modelId !== undefined && { modelId: cmd.modelId }),
      ...(cmd.assignedAgentId !== undefined && { assignedAgentId: cmd.assignedAgentId }),
      ...(cmd.assignedAgentPoolId !== undefined && { assignedAgentPoolId: cmd.assignedAgentPoolId }),
      ...(cmd.fileStored === true && { fileStored: true }),
    },
  };
  if (cmd.draft === true) return ok(created);
  return ok(created, statusChanged('Created', 'Pending', ctx, { reason: 'submit' }));
};

const statusChanged = (
  from: JobStatusName,
  to: JobStatusName,
  ctx: DecideContext,
  extra: { agentId?: string; message?: string; reason?: StatusChangeReason; leaseExpiresAt?: string },
): JobEvent => ({
  type: 'JobStatusChanged',
  data: {
    from,
    to,
    statusId: ctx.newId(),
    ...(extra.agentId !== undefined && { agentId: extra.agentId }),
    ...(extra.message !== undefined && { message: extra.message }),
    ...(extra.reason !== undefined && { reason: extra.reason }),
    ...(extra.leaseExpiresAt !== undefined && { leaseExpiresAt: extra.leaseExpiresAt }),
  },
});

/**
 * A status change asked by name (updateStatus, submit, cancel). Order of checks: the machine first (an edge it
 * lacks is a Conflict listing the allowed targets), then who may drive the edge (a user asking for an agent's
 * edge is Forbidden; an agent that does not hold the claim is a Conflict: fencing).
 */
export const decideStatusChange = (
  state: JobState,
  to: JobStatusName,
  ctx: DecideContext,
  relation: EffectiveRelation,
  opts: { message?: string; agentId?: string } = {},
): Decision => {
  const job = state.job!;
  const from = state.status!;
  if (!canTransition(from, to))
    return fail(JobError.illegalTransition(job.id, from, to, allowedTargets(from)));
  const p = ctx.principal;
  const driver = edgeDriver(from, to);
  if (driver === 'claim') {
    return fail(JobError.forbidden(`jobs are claimed only through getJobForAgent, not by setting ${to}`));
  }
  if (driver === 'editor') {
    const denied = need(relation, 'editor', `moving job ${job.id} to ${to}`);
    if (denied) return fail(denied);
    const reason: StatusChangeReason =
      to === 'Canceled'
        ? 'cancel'
        : to === 'Pending'
          ? from === 'Created'
            ? 'submit'
            : 'requeue'
          : 'report';
    return ok(statusChanged(from, to, ctx, { message: opts.message, reason }));
  }
  // driver === 'holder': fencing — only the agent that holds the current claim may report.
  let agentId: string | undefined;
  if (p.kind === 'user') {
    return fail(
      JobError.forbidden(`moving job ${job.id} from ${from} to ${to} is reported by the agent that holds it`),
    );
  } else if (p.kind === 'agent') {
    if (opts.agentId !== undefined && opts.agentId !== p.id) {
      return fail(JobError.forbidden(`agent ${p.id} may not report as agent ${opts.agentId}`));
    }
    agentId = p.id;
  } else {
    agentId = opts.agentId ?? job.agentId ?? undefined;
  }
  if (job.agentId === null || agentId !== job.agentId) {
    return fail(
      JobError.conflict(
        `job ${job.id} is not held by agent ${agentId ?? '(none)'}${job.agentId ? ` but by ${job.agentId}` : ''}: a stale claim may not report; ask getJobForAgent for new work`,
        { jobId: job.id, from, to, allowed: allowedTargets(from) },
      ),
    );
  }
  const leased = (leasedStatuses as readonly JobStatusName[]).includes(to);
  return ok(
    statusChanged(from, to, ctx, {
      agentId,
      message: opts.message,
      reason: to === 'Pending' ? 'release' : 'report',
      ...(leased && { leaseExpiresAt: leaseUntil(ctx) }),
    }),
  );
};

/**
 * A heartbeat: the lease the agent holding the job gets (now + leaseMs), under its current claim. Refused for
 * users (Forbidden) and for an agent that does not hold the job (Conflict: fencing, as for its reports).
 *
 * @example
 * const lease = decideLeaseRenewal(state, { principal: agent, now, newId, leaseMs: 60_000 });
 * // E.right({ agentId: 'agent-7', claimVersion: 2, expiresAt: <now + 60 s> })
 */
export const decideLeaseRenewal = (state: JobState, ctx: DecideContext): E.Either<JobError, LeaseRenewal> => {
  const job = state.job;
  const p = ctx.principal;
  if (job === null || relationOf(p, state) === 'none')
    return E.left(JobError.notFound('job', job?.id ?? '(unknown)'));
  const status = state.status!;
  const holder = p.kind === 'agent' ? p.id : job.agentId;
  if (p.kind === 'user')
    return E.left(JobError.forbidden('heartbeats come from the agent that holds the job'));
  if (
    !(leasedStatuses as readonly string[]).includes(status) ||
    job.agentId === null ||
    holder !== job.agentId
  ) {
    return E.left(
      JobError.conflict(
        `job ${job.id} is ${status} and not held by agent ${holder ?? '(none)'}: nothing to heartbeat`,
        { jobId: job.id, from: status },
      ),
    );
  }
  return E.right({
    agentId: job.agentId,
    // Rows written before claim versions existed: -1 never matches a claim, so the renewal is kept but the
    // lease in force stays the one of the events until the next claim.
    claimVersion: state.claimVersion ?? -1,
    expiresAt: new Date(ctx.now.getTime() + ctx.leaseMs),
  });
};

/**
 * The decider: business rules for every command on one job. Pure: no I/O, no clock, no randomness.
 * Answers the events to append (possibly none) or the {@link JobError} that explains the refusal.
 *
 * @example
 * const events = decide({ type: 'SubmitJob' }, state, { principal, now, newId, leaseMs: 60_000 });
 */
export const decide = (command: JobCommand, state: JobState, ctx: DecideContext): Decision => {
  if (command.type === 'CreateJob') return decideCreate(command, state, ctx);
  const job = state.job;
  // An agent asks for work it cannot see yet: any Pending job of its tenant is a candidate for a claim.
  const claimant =
    command.type === 'ClaimJob' && ctx.principal.kind === 'agent' && job?.tenantId === ctx.principal.tenantId;
  const relation = claimant ? 'viewer' : relationOf(ctx.principal, state);
  if (job === null || relation === 'none') return fail(JobError.notFound('job', job?.id ?? '(unknown)'));
  const status = state.status!;
  const p = ctx.principal;
  switch (command.type) {
    case 'SubmitJob':
      if (status !== 'Created') {
        return fail(
          JobError.conflict(`job ${job.id} is ${status}; only a draft (Created) job can be submitted`, {
            jobId: job.id,
            from: status,
            to: 'Pending',
            allowed: allowedTargets(status),
          }),
        );
      }
      return decideStatusChange(state, 'Pending', ctx, relation);
    case 'ChangeStatus':
      return decideStatusChange(state, command.to, ctx, relation, command);
    case 'CancelJob':
      return decideStatusChange(state, 'Canceled', ctx, relation, command);
    case 'AssignAgent': {
      const denied = need(relation, 'editor', 'assigning an agent');
      if (denied) return fail(denied);
      if (status !== 'Created' && status !== 'Pending') {
        return fail(
          JobError.conflict(
            `job ${job.id} is ${status}; an agent can be assigned only while Created or Pending`,
            { jobId: job.id, from: status },
          ),
        );
      }
      return ok({ type: 'JobAgentAssigned', data: { agentId: command.agentId } });
    }
    case 'ClaimJob': {
      if (p.kind !== 'agent') return fail(JobError.forbidden('only an agent can claim a job'));
      if (status !== 'Pending') {
        return fail(
          JobError.conflict(`job ${job.id} is ${status}, not Pending: it cannot be claimed`, {
            jobId: job.id,
            from: status,
            to: 'Claimed',
            allowed: allowedTargets(status),
          }),
        );
      }
      if (state.archived)
        return fail(
          JobError.conflict(`job ${job.id} is archived: restore it before it can be claimed`, {
            jobId: job.id,
          }),
        );
      if (job.assignedAgentId !== null && job.assignedAgentId !== p.id) {
        return fail(
          JobError.conflict(`job ${job.id} is assigned to agent ${job.assignedAgentId}`, { jobId: job.id }),
        );
      }
      if (job.assignedAgentPoolId !== null && !(p.poolIds ?? []).includes(job.assignedAgentPoolId)) {
        return fail(
          JobError.conflict(`job ${job.id} is assigned to pool ${job.assignedAgentPoolId}`, {
            jobId: job.id,
          }),
        );
      }
      return ok(
        statusChanged('Pending', 'Claimed', ctx, {
          agentId: p.id,
          reason: 'claim',
          leaseExpiresAt: leaseUntil(ctx),
        }),
      );
    }
    case 'Heartbeat':
      // Stores without lease storage beside the stream record the renewal as an event (as before).
      return E.map((lease: LeaseRenewal): JobEvent[] => [
        {
          type: 'JobLeaseRenewed',
          data: { agentId: lease.agentId, leaseExpiresAt: lease.expiresAt.toISOString() },
        },
      ])(decideLeaseRenewal(state, ctx));
    case 'ExpireLease': {
      if (p.kind !== 'system')
        return fail(JobError.forbidden('leases expire through the system (expireLeases)'));
      const lease = state.leaseExpiresAt;
      if (
        !(leasedStatuses as readonly string[]).includes(status) ||
        lease === null ||
        lease.getTime() > ctx.now.getTime()
      ) {
        return ok();
      }
      // Before Running the function has had no effects: safe to retry. After, nobody knows the outcome.
      const to: JobStatusName = status === 'Claimed' || status === 'Validating' ? 'Pending' : 'Unknown';
      return ok(
        statusChanged(status, to, ctx, {
          agentId: job.agentId ?? undefined,
          reason: 'lease-expired',
          message: `lease of agent ${job.agentId} expired at ${lease.toISOString()}`,
        }),
      );
    }
    case 'ArchiveJob': {
      const denied = need(relation, 'editor', 'archiving');
      if (denied) return fail(denied);
      if (state.archived)
        return fail(
          JobError.conflict(`job ${job.id} is already archived; restore it first`, { jobId: job.id }),
        );
      return ok({
        type: 'JobArchived',
        data: { statusId: ctx.newId(), ...(command.reason !== undefined && { reason: command.reason }) },
      });
    }
    case 'RestoreJob': {
      const denied = need(relation, 'editor', 'restoring');
      if (denied) return fail(denied);
      if (!state.archived)
        return fail(
          JobError.conflict(`job ${job.id} is not archived; nothing to restore`, { jobId: job.id }),
        );
      return ok({
        type: 'JobRestored',
        data: { statusId: ctx.newId(), ...(command.reason !== undefined && { reason: command.reason }) },
      });
    }
    case 'UpdateProperties': {
      const denied = need(relation, 'editor', 'updating properties');
      if (denied) return fail(denied);
      return ok({ type: 'JobPropertiesUpdated', data: command.properties });
    }
    case 'AddComment': {
      const denied = need(relation, 'editor', 'commenting');
      if (denied) return fail(denied);
      return ok({ type: 'JobCommentAdded', data: { commentId: ctx.newId(), content: command.content } });
    }
    case 'GrantAccess': {
      const denied = need(relation, 'owner', 'managing access');
      if (denied) return fail(denied);
      const existing = state.access.find(
        (a) => a.subjectType === command.subjectType && a.subjectId === command.subjectId,
      );
      if (existing) {
        return fail(
          JobError.conflict(
            `${command.subjectType} ${command.subjectId} already has ${existing.relation} access (${existing.id}); use updateAccess`,
            { jobId: job.id },
          ),
        );
      }
      return ok({
        type: 'JobAccessGranted',
        data: {
          accessId: ctx.newId(),
          subjectType: command.subjectType,
          subjectId: command.subjectId,
          relation: command.relation,
        },
      });
    }
    case 'UploadResult': {
      // Only the agent holding the claim, while Uploading (fencing, as for its status reports).
      const holder = p.kind === 'agent' ? p.id : p.kind === 'system' ? job.agentId : null;
      if (p.kind === 'user')
        return fail(JobError.forbidden(`results of job ${job.id} are uploaded by the agent that holds it`));
      if (status !== 'Uploading') {
        return fail(
          JobError.conflict(
            `job ${job.id} is ${status}: results are uploaded while it is Uploading (move it there first with updateStatus)`,
            { jobId: job.id, from: status, allowed: allowedTargets(status) },
          ),
        );
      }
      if (job.agentId === null || holder !== job.agentId) {
        return fail(
          JobError.conflict(
            `job ${job.id} is not held by agent ${holder ?? '(none)'}${job.agentId ? ` but by ${job.agentId}` : ''}: a stale claim may not upload; ask getJobForAgent for new work`,
            { jobId: job.id, from: status, allowed: allowedTargets(status) },
          ),
        );
      }
      return ok({
        type: 'JobFileRevisionAdded',
        data: { revision: (state.fileRevisions ?? 1) + 1, ...command.file },
      });
    }
    case 'UpdateAccess':
    case 'RevokeAccess': {
      const denied = need(relation, 'owner', 'managing access');
      if (denied) return fail(denied);
      if (!state.access.some((a) => a.id === command.accessId))
        return fail(JobError.notFound('access relationship', command.accessId));
      return command.type === 'UpdateAccess'
        ? ok({ type: 'JobAccessUpdated', data: { accessId: command.accessId, relation: command.relation } })
        : ok({ type: 'JobAccessRevoked', data: { accessId: command.accessId } });
    }
  }
};

/** True when nothing can change the status of the job any more. */
export const isTerminal = (state: JobState): boolean =>
  state.status !== null && isTerminalStatus(state.status);
