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
}

/** The state of a job whose stream does not exist yet. */
export const initialJobState: JobState = {
  job: null,
  version: -1,
  status: null,
  archived: false,
  leaseExpiresAt: null,
  access: [],
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
      return { ...state, job: created, version: ctx.version, status: 'Created', fileRevisions: 1 };
    }
    case 'JobStatusChanged': {
      if (job === null) return { ...state, version: ctx.version };
      const d = event.data;
      // A release or requeue gives the job back: the old holder no longer holds anything (fencing).
      const agentId = d.to === 'Pending' ? null : d.agentId !== undefined ? d.agentId : job.agentId;
      const leaseExpiresAt = d.leaseExpiresAt !== undefined ? new Date(d.leaseExpiresAt) : null;
      return {
        ...state,
        version: ctx.version,
        status: d.to,
        leaseExpiresAt:
          d.to === 'Claimed' || d.to === 'Validating' || d.to === 'Running' || d.to === 'Uploading'
            ? leaseExpiresAt
            : null,
        job: {
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
        },
      };
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
