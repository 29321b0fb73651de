import fc from 'fast-check';
import { jobStatusNames } from '../../src/domain/JobStatusName.js';
import type {
  AccessRelationship,
  Comment,
  File,
  FileRevisionArchiveStatus,
  FunctionVersion,
  Job,
  JobFile,
  JobFileRevision,
  JobStatus,
  JobStatusMessage,
  NewJobAssignedAgent,
  NoJobResponse,
  NoOpResponse,
  PageJob,
  ResourceArchiveStatus,
  Token,
} from '../../src/domain/model.js';

/** Dates the wire can carry to the millisecond. */
export const dateArb = fc.date({
  min: new Date('2000-01-01'),
  max: new Date('2100-01-01'),
  noInvalidDate: true,
});

/** Printable ASCII (fast-check 4's default unit), so never a control character. */
export const idArb = fc.string({ minLength: 1, maxLength: 24 });

/** Any Unicode text, surrogate pairs and combining marks included: JSON must carry it unchanged. */
export const textArb = fc.string({ unit: 'grapheme', maxLength: 30 });

const nameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
/** Plain objects, as a program builds them: fast-check may otherwise give null-prototype records. */
const plainRecord = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true });
const orNull = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null });
const countArb = fc.nat({ max: 1_000_000 });
const positiveArb = fc.integer({ min: 1, max: 1_000_000 });

export const functionVersionArb: fc.Arbitrary<FunctionVersion> = plainRecord({
  id: idArb,
  functionId: orNull(idArb),
  name: orNull(nameArb),
  versionName: orNull(textArb),
});

export const jobFileArb: fc.Arbitrary<JobFile> = plainRecord({
  name: nameArb,
  extension: orNull(textArb),
  mime: orNull(textArb),
  size: orNull(fc.maxSafeNat()),
  sha256: orNull(fc.stringMatching(/^[0-9a-f]{64}$/)),
  description: orNull(textArb),
  displayName: orNull(textArb),
  externalIdentifier: orNull(textArb),
  versionName: orNull(textArb),
});

export const jobStatusArb: fc.Arbitrary<JobStatus> = plainRecord({
  id: idArb,
  created: dateArb,
  jobId: idArb,
  name: fc.constantFrom(...jobStatusNames),
  createdById: idArb,
  message: orNull(textArb),
  agentId: orNull(idArb),
});

export const resourceArchiveStatusArb: fc.Arbitrary<ResourceArchiveStatus> = plainRecord({
  id: idArb,
  created: dateArb,
  name: fc.constantFrom('Active' as const, 'Archived' as const),
  reason: orNull(textArb),
  createdById: idArb,
});

const tokenArb: fc.Arbitrary<Token> = plainRecord({
  id: idArb,
  created: dateArb,
  sha: fc.stringMatching(/^([0-9a-f]{64})?$/),
  salt: fc.constant(''),
  createdById: orNull(idArb),
});

const revisionArchiveArb: fc.Arbitrary<FileRevisionArchiveStatus> = plainRecord({
  id: idArb,
  created: dateArb,
  name: fc.constantFrom('Active' as const, 'Archived' as const),
  reason: orNull(textArb),
  createdById: idArb,
  fileRevisionId: idArb,
});

export const jobFileRevisionArb: fc.Arbitrary<JobFileRevision> = plainRecord({
  id: idArb,
  created: dateArb,
  fileId: orNull(idArb),
  contentToken: tokenArb,
  propertiesToken: tokenArb,
  archiveStatusHistory: fc.array(revisionArchiveArb, { minLength: 1, maxLength: 2 }),
  name: orNull(nameArb),
  stem: orNull(nameArb),
  suffix: orNull(textArb),
  extension: orNull(textArb),
  description: orNull(textArb),
  size: orNull(fc.maxSafeNat()),
  mime: orNull(textArb),
  versionName: orNull(textArb),
  externalIdentifier: orNull(textArb),
  displayName: orNull(textArb),
  createdById: orNull(idArb),
  updated: orNull(dateArb),
  revision: positiveArb,
});

export const fileArb: fc.Arbitrary<File> = fc
  .tuple(
    jobFileArb,
    plainRecord({
      id: idArb,
      created: dateArb,
      revisions: fc.array(jobFileRevisionArb, { minLength: 1, maxLength: 2 }),
      archiveStatusHistory: fc.array(resourceArchiveStatusArb, { minLength: 1, maxLength: 2 }),
      resourceId: orNull(idArb),
      resourceType: fc.constantFrom('job' as const, null),
      createdById: orNull(idArb),
      updated: orNull(dateArb),
    }),
  )
  .map(([flat, sdk]) => ({ ...flat, ...sdk }));

/** A comment, with up to one level of replies. */
export const commentArb: fc.Arbitrary<Comment> = fc.letrec<{ comment: Comment }>((tie) => ({
  comment: plainRecord({
    id: idArb,
    created: dateArb,
    file: fileArb,
    comments: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant([]),
      fc.array(tie('comment'), { maxLength: 1 }),
    ),
    archiveStatusHistory: fc.array(resourceArchiveStatusArb, { minLength: 1, maxLength: 2 }),
    createdById: idArb,
    resourceId: idArb,
    resourceType: fc.constant('job' as const),
    jobId: idArb,
    content: textArb,
  }),
})).comment;

export const accessRelationshipArb: fc.Arbitrary<AccessRelationship> = plainRecord({
  id: idArb,
  created: dateArb,
  jobId: idArb,
  subjectType: fc.constantFrom('user' as const, 'agent' as const, 'email' as const),
  subjectId: idArb,
  relation: fc.constantFrom('viewer' as const, 'editor' as const, 'owner' as const, 'administrator' as const),
  createdById: idArb,
});

/** A job with at least one status and one archive entry, as every real job has. */
export const jobArb: fc.Arbitrary<Job> = plainRecord({
  id: idArb,
  created: dateArb,
  file: fileArb,
  comments: fc.array(commentArb, { maxLength: 2 }),
  archiveStatusHistory: fc.array(resourceArchiveStatusArb, { minLength: 1, maxLength: 3 }),
  createdById: idArb,
  function: functionVersionArb,
  assignedAgentId: orNull(idArb),
  assignedAgentPoolId: orNull(idArb),
  agentId: orNull(idArb),
  tenantId: idArb,
  modelId: orNull(idArb),
  statusHistory: fc.array(jobStatusArb, { minLength: 1, maxLength: 4 }),
});

export const pageJobArb: fc.Arbitrary<PageJob> = plainRecord({
  items: fc.array(jobArb, { maxLength: 3 }),
  total: countArb,
  page: positiveArb,
  size: positiveArb,
  pages: countArb,
  nextCursor: orNull(idArb),
});

export const noJobResponseArb: fc.Arbitrary<NoJobResponse> = plainRecord({ message: textArb });
export const jobStatusMessageArb: fc.Arbitrary<JobStatusMessage> = plainRecord({ message: textArb });
export const newJobAssignedAgentArb: fc.Arbitrary<NewJobAssignedAgent> = plainRecord({ agentId: idArb });
export const noOpResponseArb: fc.Arbitrary<NoOpResponse> = plainRecord({ status: textArb, message: textArb });

/** Either answer of `getJobForAgent`. */
export const responseGetJobForAgentArb: fc.Arbitrary<Job | NoJobResponse> = fc.oneof(
  jobArb,
  noJobResponseArb,
);
