import { StatusName, Relation, SubjectType } from './vocabulary.js';
import * as t from 'io-ts';
import { Id, LongText, Name, ShortText, boundedString, intIn, oneOf } from './decode.js';

const Iso = boundedString('ISODate', 64, 1);

export const FunctionVersionData = t.intersection([
  t.type({ id: Id }),
  t.partial({ functionId: Id, name: Name, versionName: ShortText }),
]);
/** The optional members of a job's file, shared by the event data and the createJob input. */
export const jobFileOptionalProps = {
  extension: ShortText,
  mime: ShortText,
  size: intIn('FileSize', 0, Number.MAX_SAFE_INTEGER),
  sha256: boundedString('Sha256', 64, 64),
  description: LongText,
  displayName: ShortText,
  externalIdentifier: ShortText,
  versionName: ShortText,
};
export const JobFileData = t.intersection([t.type({ name: Name }), t.partial(jobFileOptionalProps)]);

/** The reason recorded on a status change that was not asked for by name. */
export const StatusChangeReason = oneOf('StatusChangeReason', [
  'submit',
  'claim',
  'release',
  'requeue',
  'lease-expired',
  'report',
  'cancel',
] as const);
export type StatusChangeReason = t.TypeOf<typeof StatusChangeReason>;

/**
 * The `data` codec of every event type at its current schema version. Older versions are upcast on read
 * (see `upcasters.ts`) before they reach these codecs.
 */
export const eventDataCodecs = {
  JobCreated: t.intersection([
    t.type({
      jobId: Id,
      tenantId: Id,
      function: FunctionVersionData,
      file: JobFileData,
      statusId: Id,
      archiveStatusId: Id,
    }),
    t.partial({
      modelId: Id,
      assignedAgentId: Id,
      assignedAgentPoolId: Id,
      /** True when the file's bytes were stored (blob store, by sha256); absent for a file named only. */
      fileStored: t.boolean,
    }),
  ]),
  JobStatusChanged: t.intersection([
    t.type({ from: StatusName, to: StatusName, statusId: Id }),
    t.partial({ agentId: Id, message: ShortText, reason: StatusChangeReason, leaseExpiresAt: Iso }),
  ]),
  JobLeaseRenewed: t.type({ agentId: Id, leaseExpiresAt: Iso }),
  JobAgentAssigned: t.type({ agentId: Id }),
  JobArchived: t.intersection([t.type({ statusId: Id }), t.partial({ reason: ShortText })]),
  JobRestored: t.intersection([t.type({ statusId: Id }), t.partial({ reason: ShortText })]),
  JobPropertiesUpdated: t.partial({
    displayName: ShortText,
    description: LongText,
    externalIdentifier: ShortText,
    versionName: ShortText,
  }),
  JobCommentAdded: t.type({ commentId: Id, content: LongText }),
  JobAccessGranted: t.type({
    accessId: Id,
    subjectType: SubjectType,
    subjectId: boundedString('Subject', 320, 1),
    relation: Relation,
  }),
  JobAccessUpdated: t.type({ accessId: Id, relation: Relation }),
  JobAccessRevoked: t.type({ accessId: Id }),
  /** A new revision of the job's file (the agent's result); the bytes live in the blob store, by sha256. */
  JobFileRevisionAdded: t.intersection([
    t.type({
      revision: intIn('Revision', 2, Number.MAX_SAFE_INTEGER),
      name: Name,
      size: intIn('FileSize', 0, Number.MAX_SAFE_INTEGER),
      sha256: boundedString('Sha256', 64, 64),
    }),
    t.partial({ mime: ShortText, extension: ShortText }),
  ]),
};

export type JobEventType = keyof typeof eventDataCodecs;
export const jobEventTypes = Object.keys(eventDataCodecs) as JobEventType[];

/** The current schema version of each event type. */
export const currentSchemaVersion: Readonly<Record<JobEventType, number>> = {
  JobCreated: 1,
  JobStatusChanged: 1,
  JobLeaseRenewed: 1,
  JobAgentAssigned: 1,
  JobArchived: 1,
  JobRestored: 1,
  JobPropertiesUpdated: 1,
  JobCommentAdded: 1,
  JobAccessGranted: 1,
  JobAccessUpdated: 1,
  JobAccessRevoked: 1,
  JobFileRevisionAdded: 1,
};

export type JobEventData = { [K in JobEventType]: t.TypeOf<(typeof eventDataCodecs)[K]> };

/** A job event as the domain sees it: a type and its decoded data. */
export type JobEvent = {
  [K in JobEventType]: { readonly type: K; readonly data: JobEventData[K] };
}[JobEventType];

export const isJobEventType = (type: string): type is JobEventType => Object.hasOwn(eventDataCodecs, type);
