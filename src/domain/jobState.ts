import type { JobEvent } from './codecs/events.js';
import type { JobStatusName } from './JobStatusName.js';
import type { AccessRelationship, Job } from './model.js';
import type { Actor } from './principal.js';
import { fileOfRevision } from './fileRevisions.js';
import { commentOf, newFile, withProperties, withRevision } from './sdkFiles.js';

/** Everything `decide` needs to know about one job: the job as the SDK shows it plus what the SDK hides. */
export interface JobState {
  readonly job: Job | null;
  /** Version of the last event applied; -1 before the stream exists. */
  readonly version: number;
  readonly status: JobStatusName | null;
  readonly archived: boolean;
  readonly leaseExpiresAt: Date | null;
  readonly access: readonly AccessRelationship[];
  /**
   * How many revisions the job's file has (1 after JobCreated, one more per JobFileRevisionAdded). Optional:
   * read-model rows written before file revisions existed lack it; `decide` always folds the stream itself.
   */
  readonly fileRevisions?: number;
  /**
   * The version of the event that gave the current holder its claim (Pending -> Claimed), null when nobody holds
   * the job. A renewed lease is kept beside the stream under this version, so a renewal for an older claim never
   * counts (fencing). Optional: rows written before leases lived beside the stream lack it.
   */
  readonly claimVersion?: number | null;
}

/**
 * True when a state read back from a read model has every field `decide` needs (rows written by older versions
 * lack some): only then may a command start from it instead of folding the whole stream.
 */
export const isCompleteSnapshot = (state: JobState): boolean =>
  state.job !== null && state.fileRevisions !== undefined && state.claimVersion !== undefined;

/**
 * The lease deadline in force: the one the stream's last lease-setting event gave, or a later renewal kept
 * beside the stream under the current claim (same claim version and holder). A renewal of an older claim, or
 * of a job nobody holds, counts for nothing.
 */
export const leaseInForce = (
  state: JobState,
  renewal: { readonly agentId: string; readonly claimVersion: number; readonly expiresAt: Date } | undefined,
): Date | null => {
  const fromEvents = state.leaseExpiresAt;
  if (
    renewal === undefined ||
    fromEvents === null ||
    state.claimVersion == null ||
    renewal.claimVersion !== state.claimVersion ||
    renewal.agentId !== state.job?.agentId
  )
    return fromEvents;
  return renewal.expiresAt.getTime() > fromEvents.getTime() ? renewal.expiresAt : fromEvents;
};

/** `state` with the lease deadline in force (see {@link leaseInForce}). */
export const withLeaseInForce = (state: JobState, renewal: Parameters<typeof leaseInForce>[1]): JobState => {
  const lease = leaseInForce(state, renewal);
  return lease === state.leaseExpiresAt ? state : { ...state, leaseExpiresAt: lease };
};

/** The state of a job whose stream does not exist yet. */
export const initialJobState: JobState = {
  job: null,
  version: -1,
  status: null,
  archived: false,
  leaseExpiresAt: null,
  access: [],
  claimVersion: null,
};

/** What `evolve` needs besides the event: when, by whom, at which stream version. */
export interface EventContext {
  readonly at: Date;
  readonly actor: Actor;
  readonly version: number;
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/**
 * Applies one event to a job's state. Never fails and never checks anything: the rules live in `decide`,
 * and `verify` re-checks stored streams against the machine.
 */
export const evolve = (state: JobState, event: JobEvent, ctx: EventContext): JobState => {
  const job = state.job;
  const by = ctx.actor.id;
  switch (event.type) {
    case 'JobCreated': {
      const d = event.data;
      const created: Job = {
        id: d.jobId,
        created: ctx.at,
        file: newFile(
          d.jobId,
          d.jobId,
          {
            name: d.file.name,
            extension: orNull(d.file.extension),
            mime: orNull(d.file.mime),
            size: orNull(d.file.size),
            sha256: orNull(d.file.sha256),
            description: orNull(d.file.description),
            displayName: orNull(d.file.displayName),
            externalIdentifier: orNull(d.file.externalIdentifier),
            versionName: orNull(d.file.versionName),
          },
          { at: ctx.at, by, version: ctx.version },
        ),
        comments: [],
        archiveStatusHistory: [
          { id: d.archiveStatusId, created: ctx.at, name: 'Active', reason: null, createdById: by },
        ],
        createdById: by,
        function: {
          id: d.function.id,
          functionId: orNull(d.function.functionId),
          name: orNull(d.function.name),
          versionName: orNull(d.function.versionName),
        },
        assignedAgentId: orNull(d.assignedAgentId),
        assignedAgentPoolId: orNull(d.assignedAgentPoolId),
        agentId: null,
        tenantId: d.tenantId,
        modelId: orNull(d.modelId),
        statusHistory: [
          {
            id: d.statusId,
            created: ctx.at,
            jobId: d.jobId,
            name: 'Created',
            createdById: by,
            message: null,
            agentId: null,
          },
        ],
      };
      return {
        ...state,
        job: created,
        version: ctx.version,
        status: 'Created',
        fileRevisions: 1,
        claimVersion: null,
      };
    }
    case 'JobStatusChanged': {
      if (job === null) return { ...state, version: ctx.version };
      const d = event.data;
      // A release or requeue gives the job back: the old holder no longer holds anything (fencing).
      const agentId = d.to === 'Pending' ? null : d.agentId !== undefined ? d.agentId : job.agentId;
      const leaseExpiresAt = d.leaseExpiresAt !== undefined ? new Date(d.leaseExpiresAt) : null;
      // A claim starts a new lease generation; giving the job back (or ending it) ends it. Reports of the
      // holder (Validating, Running, ...) and the Unknown of an expiry keep it: the late agent may still report.
      const claimVersion =
        d.to === 'Claimed'
          ? ctx.version
          : d.to === 'Pending' || d.to === 'Completed' || d.to === 'Failed' || d.to === 'Canceled'
            ? null
            : state.claimVersion;
      const lease =
        d.to === 'Claimed' || d.to === 'Validating' || d.to === 'Running' || d.to === 'Uploading'
          ? leaseExpiresAt
          : null;
      const next: Job = {
        ...job,
        agentId,
        statusHistory: [
          ...job.statusHistory,
          {
            id: d.statusId,
            created: ctx.at,
            jobId: job.id,
            name: d.to,
            createdById: by,
            message: orNull(d.message),
            agentId: orNull(d.agentId),
          },
        ],
      };
      // Same members in the same order as before (the read model stores this object's JSON); no spread of a
      // conditional object per event.
      return claimVersion === undefined
        ? { ...state, version: ctx.version, status: d.to, leaseExpiresAt: lease, job: next }
        : { ...state, version: ctx.version, status: d.to, claimVersion, leaseExpiresAt: lease, job: next };
    }
    case 'JobLeaseRenewed':
      return { ...state, version: ctx.version, leaseExpiresAt: new Date(event.data.leaseExpiresAt) };
    case 'JobAgentAssigned':
      return { ...state, version: ctx.version, job: job && { ...job, assignedAgentId: event.data.agentId } };
    case 'JobArchived':
    case 'JobRestored': {
      if (job === null) return { ...state, version: ctx.version };
      const archived = event.type === 'JobArchived';
      return {
        ...state,
        version: ctx.version,
        archived,
        job: {
          ...job,
          archiveStatusHistory: [
            ...job.archiveStatusHistory,
            {
              id: event.data.statusId,
              created: ctx.at,
              name: archived ? 'Archived' : 'Active',
              reason: orNull(event.data.reason),
              createdById: by,
            },
          ],
        },
      };
    }
    case 'JobFileRevisionAdded':
      // A new revision is a new file: properties (display name, description, ...) belong to the revision.
      return {
        ...state,
        version: ctx.version,
        fileRevisions: event.data.revision,
        job: job && {
          ...job,
          file: withRevision(job.file, event.data.revision, fileOfRevision(event.data), {
            at: ctx.at,
            by,
            version: ctx.version,
          }),
        },
      };
    case 'JobPropertiesUpdated':
      return {
        ...state,
        version: ctx.version,
        job: job && {
          ...job,
          file: withProperties(job.file, event.data, { at: ctx.at, by, version: ctx.version }),
        },
      };
    case 'JobCommentAdded':
      return {
        ...state,
        version: ctx.version,
        job: job && {
          ...job,
          comments: [
            ...job.comments,
            commentOf(
              { id: event.data.commentId, jobId: job.id, content: event.data.content },
              { at: ctx.at, by, version: ctx.version },
            ),
          ],
        },
      };
    case 'JobAccessGranted':
      return {
        ...state,
        version: ctx.version,
        access: [
          ...state.access,
          {
            id: event.data.accessId,
            created: ctx.at,
            jobId: job?.id ?? '',
            subjectType: event.data.subjectType,
            subjectId: event.data.subjectId,
            relation: event.data.relation,
            createdById: by,
          },
        ],
      };
    case 'JobAccessUpdated':
      return {
        ...state,
        version: ctx.version,
        access: state.access.map((a) =>
          a.id === event.data.accessId ? { ...a, relation: event.data.relation } : a,
        ),
      };
    case 'JobAccessRevoked':
      return {
        ...state,
        version: ctx.version,
        access: state.access.filter((a) => a.id !== event.data.accessId),
      };
  }
};
