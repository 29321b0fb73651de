import { StatusName, ArchiveStatusName, Relation, SubjectType } from './vocabulary.js';
import * as t from 'io-ts';
import {
  isNoJobResponse,
  type AccessRelationship,
  type Comment,
  type File,
  type FileRevisionArchiveStatus,
  type FunctionVersion,
  type Job,
  type JobFile,
  type JobFileRevision,
  type JobStatus,
  type JobStatusMessage,
  type NewJobAssignedAgent,
  type NoJobResponse,
  type NoOpResponse,
  type PageJob,
  type ResourceArchiveStatus,
  type Token,
} from '../model.js';
import { withJsonSchema } from './jsonSchema.js';
import { DateFromISOString, Id, LongText, Name, ShortText, boundedString, intIn } from './decode.js';

/** `createdById` -> `created_by_id`, at the type level. Digits stay where they are (`sha256`). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Rest}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Rest>}`
  : S;

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One codec per member of the camelCase type `A`; the codec decides what the wire value looks like. */
export type WireFields<A> = { readonly [K in keyof A]-?: t.Type<A[K], unknown, unknown> };

/** The snake_case wire object that `fields` encode to. */
export type WireOf<F extends Record<string, t.Any>> = {
  [K in keyof F & string as SnakeCase<K>]: t.OutputOf<F[K]>;
};

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * A codec between the camelCase type `A` and its snake_case wire object. Each member of `A` is read from the wire
 * key of the same name in snake_case; the error path names the wire key (`status_history.0.name`), because that
 * is what the sender wrote. Unknown wire keys are ignored (wire tolerance: a newer SDK may send more).
 *
 * Curried so that `A` is given and the fields are inferred: the compiler then checks that every member of the
 * model has a codec of its type, and that no field is invented.
 *
 * @example
 * const CommentCodec = wireObject<Comment>()('Comment', { id: Id, created: DateFromISOString, ... });
 */
export const wireObject =
  <A>() =>
  <F extends WireFields<A>>(
    name: string,
    fields: F & Record<Exclude<keyof F, keyof A>, never>,
  ): t.Type<A, WireOf<F>, unknown> => {
    const members = Object.entries(fields as Record<string, t.Mixed>).map(
      ([key, codec]) => [key, snakeCase(key), codec] as const,
    );
    // Members whose encode is the identity (ids, texts, numbers, nullable ones of them) are copied as they are.
    const encoders = members.map(([key, wireKey, codec]) => ({
      key,
      wireKey,
      encode: codec.encode === t.identity ? undefined : (codec.encode as (a: unknown) => unknown),
    }));
    const codec = new t.Type<A, WireOf<F>, unknown>(
      name,
      (u): u is A => isRecord(u) && members.every(([key, , codec]) => codec.is(u[key])),
      (u, c) => {
        // No message: toIssues then says "expected <name>, got <what came>".
        if (!isRecord(u)) return t.failure(u, c);
        const errors: t.ValidationError[] = [];
        const decoded: Record<string, unknown> = {};
        for (const [key, wireKey, codec] of members) {
          const value = u[wireKey];
          const result = validateIn(codec, value, c, wireKey);
          if (result._tag === 'Left') errors.push(...result.left);
          else decoded[key] = result.right;
        }
        return errors.length > 0 ? t.failures(errors) : t.success(decoded as A);
      },
      (a) => {
        const from = a as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const { key, wireKey, encode } of encoders)
          out[wireKey] = encode === undefined ? from[key] : encode(from[key]);
        return out as WireOf<F>;
      },
    );
    // Every key is written on encode; the nullable ones may be missing on decode.
    return withJsonSchema(codec, (of) => ({
      type: 'object',
      title: name,
      properties: Object.fromEntries(members.map(([, wireKey, c]) => [wireKey, of(c)])),
      required: members.filter(([, , c]) => !nullables.has(c)).map(([, wireKey]) => wireKey),
    }));
  };

/**
 * `codec.validate` of the member `key` of a value validated in context `c`. A member's context entry only names
 * a failure, so the member is validated in `c` itself (no context array per member on the way that succeeds), and
 * the entry is put into the errors of one that fails: the same errors as with `t.appendContext`, in one pass.
 */
const validateIn = <A>(
  codec: t.Type<A, unknown, unknown>,
  value: unknown,
  c: t.Context,
  key: string,
): t.Validation<A> => {
  const result = codec.validate(value, c);
  if (result._tag === 'Right') return result;
  const entry: t.ContextEntry = { key, type: codec, actual: value };
  return t.failures(result.left.map((e) => ({ ...e, context: [...c, entry, ...e.context.slice(c.length)] })));
};

/**
 * `t.readonlyArray(item)` (the same name, tag, guard and encoding) whose items are validated like the members of
 * a wire object (see `validateIn`): a context per item only for an item that fails.
 */
export const wireArray = <A, O>(
  item: t.Type<A, O, unknown>,
): t.ReadonlyArrayType<t.Type<A, O, unknown>, readonly A[], readonly O[], unknown> => {
  const base = t.readonlyArray(item);
  return new t.ReadonlyArrayType(
    base.name,
    base.is,
    (u, c) => {
      if (!Array.isArray(u)) return base.validate(u, c);
      let as: unknown[] = u;
      const errors: t.ValidationError[] = [];
      for (let i = 0; i < u.length; i++) {
        const ui: unknown = u[i];
        const result = validateIn(item, ui, c, String(i));
        if (result._tag === 'Left') errors.push(...result.left);
        else if (result.right !== ui) {
          if (as === u) as = u.slice();
          as[i] = result.right;
        }
      }
      return errors.length > 0 ? t.failures(errors) : t.success(as as readonly A[]);
    },
    base.encode,
    item,
  );
};

// The codecs made by `nullable`: members a wire object may omit.
const nullables = new WeakSet<t.Any>();

/**
 * `codec`, or null. Decodes a missing member (undefined) as null too: the SDK omits some null members.
 * Errors come from `codec` itself, without a union's second "expected null" for the same path.
 */
export const nullable = <A, O>(codec: t.Type<A, O, unknown>): t.Type<A | null, O | null, unknown> => {
  const wrapped = new t.Type<A | null, O | null, unknown>(
    `${codec.name} | null`,
    (u): u is A | null => u === null || codec.is(u),
    (u, c) => (u === null || u === undefined ? t.success(null) : codec.validate(u, c)),
    codec.encode === t.identity
      ? (t.identity as (a: A | null) => O | null)
      : (a) => (a === null ? null : codec.encode(a)),
  );
  nullables.add(wrapped);
  return withJsonSchema(wrapped, (of) => ({ anyOf: [of(codec), { type: 'null' }] }));
};

const Count = intIn('Count', 0, Number.MAX_SAFE_INTEGER);
const Positive = intIn('PositiveInteger', 1, Number.MAX_SAFE_INTEGER);

/** The wire codec of {@link FunctionVersion}: `{ id, function_id, name, version_name }`. */
export const FunctionVersionCodec = wireObject<FunctionVersion>()('FunctionVersion', {
  id: Id,
  functionId: nullable(Id),
  name: nullable(Name),
  versionName: nullable(ShortText),
});

/** The wire codec of {@link JobStatus}: `{ id, created, job_id, name, created_by_id, message, agent_id }`. */
export const JobStatusCodec = wireObject<JobStatus>()('JobStatus', {
  id: Id,
  created: DateFromISOString,
  jobId: Id,
  name: StatusName,
  createdById: Id,
  message: nullable(ShortText),
  agentId: nullable(Id),
});

/** The wire codec of {@link ResourceArchiveStatus}: `{ id, created, name, reason, created_by_id }`. */
export const ResourceArchiveStatusCodec = wireObject<ResourceArchiveStatus>()('ResourceArchiveStatus', {
  id: Id,
  created: DateFromISOString,
  name: ArchiveStatusName,
  reason: nullable(ShortText),
  createdById: Id,
});

const FileSize = intIn('FileSize', 0, Number.MAX_SAFE_INTEGER);

// The flat fields of a file at one revision: a JobFile's, and extras of a File.
const jobFileFields = {
  name: Name,
  extension: nullable(ShortText),
  mime: nullable(ShortText),
  size: nullable(FileSize),
  sha256: nullable(boundedString('Sha256', 64, 64)),
  description: nullable(LongText),
  displayName: nullable(ShortText),
  externalIdentifier: nullable(ShortText),
  versionName: nullable(ShortText),
};

/** The wire codec of {@link JobFile}: only `name` is required. */
export const JobFileCodec = wireObject<JobFile>()('JobFile', jobFileFields);

/** The wire codec of the SDK's {@link Token}: `{ id, created, sha, salt, created_by_id }`. */
export const TokenCodec = wireObject<Token>()('Token', {
  id: Id,
  created: DateFromISOString,
  sha: boundedString('Sha', 128),
  salt: boundedString('Salt', 128),
  createdById: nullable(Id),
});

/** The wire codec of {@link FileRevisionArchiveStatus}: a ResourceArchiveStatus with `file_revision_id`. */
export const FileRevisionArchiveStatusCodec = wireObject<FileRevisionArchiveStatus>()(
  'FileRevisionArchiveStatus',
  {
    id: Id,
    created: DateFromISOString,
    name: ArchiveStatusName,
    reason: nullable(ShortText),
    createdById: Id,
    fileRevisionId: Id,
  },
);

/** The wire codec of {@link JobFileRevision}: the SDK's `FileRevision` (plus `revision`, an extra). */
export const JobFileRevisionCodec = wireObject<JobFileRevision>()('FileRevision', {
  id: Id,
  created: DateFromISOString,
  fileId: nullable(Id),
  contentToken: TokenCodec,
  propertiesToken: TokenCodec,
  archiveStatusHistory: wireArray(FileRevisionArchiveStatusCodec),
  name: nullable(Name),
  stem: nullable(Name),
  suffix: nullable(ShortText),
  extension: nullable(ShortText),
  description: nullable(LongText),
  size: nullable(FileSize),
  mime: nullable(ShortText),
  versionName: nullable(ShortText),
  externalIdentifier: nullable(ShortText),
  displayName: nullable(ShortText),
  createdById: nullable(Id),
  updated: nullable(DateFromISOString),
  revision: Positive,
});

/**
 * The wire codec of {@link File}: the SDK's `File`, and the current revision's fields flat beside them (extras
 * the SDK ignores).
 */
export const FileCodec = wireObject<File>()('File', {
  ...jobFileFields,
  id: Id,
  created: DateFromISOString,
  revisions: wireArray(JobFileRevisionCodec),
  archiveStatusHistory: wireArray(ResourceArchiveStatusCodec),
  resourceId: nullable(Id),
  resourceType: nullable(t.literal('job')),
  createdById: nullable(Id),
  updated: nullable(DateFromISOString),
});

// A comment's replies are comments: the codec refers to itself. Its schema names it (no endless expansion).
const CommentReply: t.Type<Comment, CommentWire, unknown> = withJsonSchema(
  t.recursion<Comment, CommentWire>('Comment', () => CommentCodec),
  { type: 'object', title: 'Comment', description: 'a reply: a Comment' },
);

/**
 * The wire codec of {@link Comment}: the SDK's `Comment` (`id, created, file, comments, archive_status_history,
 * created_by_id, resource_id, resource_type`), plus `content` and `job_id` (extras).
 */
export const CommentCodec: t.Type<Comment, CommentWire, unknown> = wireObject<Comment>()('Comment', {
  id: Id,
  created: DateFromISOString,
  file: FileCodec,
  comments: wireArray(CommentReply),
  archiveStatusHistory: wireArray(ResourceArchiveStatusCodec),
  createdById: Id,
  resourceId: Id,
  resourceType: t.literal('job'),
  jobId: Id,
  content: LongText,
});

/** The recursive reference from a comment to its replies, for the OpenAPI document. @internal */
export const CommentReplyCodec = CommentReply;

/** The wire codec of {@link AccessRelationship}. */
export const AccessRelationshipCodec = wireObject<AccessRelationship>()('AccessRelationship', {
  id: Id,
  created: DateFromISOString,
  jobId: Id,
  subjectType: SubjectType,
  subjectId: boundedString('Subject', 320, 1),
  relation: Relation,
  createdById: Id,
});

/** The wire codec of {@link Job}, with its file, function, comments and both histories. */
export const JobCodec = wireObject<Job>()('Job', {
  id: Id,
  created: DateFromISOString,
  file: FileCodec,
  comments: wireArray(CommentCodec),
  archiveStatusHistory: wireArray(ResourceArchiveStatusCodec),
  createdById: Id,
  function: FunctionVersionCodec,
  assignedAgentId: nullable(Id),
  assignedAgentPoolId: nullable(Id),
  agentId: nullable(Id),
  tenantId: Id,
  modelId: nullable(Id),
  statusHistory: wireArray(JobStatusCodec),
});

/** The wire codec of {@link PageJob}. A missing `next_cursor` decodes as null (the last page). */
export const PageJobCodec = wireObject<PageJob>()('PageJob', {
  items: wireArray(JobCodec),
  total: Count,
  page: Positive,
  size: Positive,
  pages: Count,
  nextCursor: nullable(ShortText),
});

/** The wire codec of {@link NoJobResponse}: `{ message }`. */
export const NoJobResponseCodec = wireObject<NoJobResponse>()('NoJobResponse', { message: ShortText });

/** The wire codec of {@link JobStatusMessage}: `{ message }`. */
export const JobStatusMessageCodec = wireObject<JobStatusMessage>()('JobStatusMessage', {
  message: ShortText,
});

/** The wire codec of {@link NewJobAssignedAgent}: `{ agent_id }`. */
export const NewJobAssignedAgentCodec = wireObject<NewJobAssignedAgent>()('NewJobAssignedAgent', {
  agentId: Id,
});

/** The wire codec of {@link NoOpResponse}: `{ status, message }`. */
export const NoOpResponseCodec = wireObject<NoOpResponse>()('NoOpResponse', {
  status: ShortText,
  message: ShortText,
});

export type FunctionVersionWire = t.OutputOf<typeof FunctionVersionCodec>;
export type JobFileWire = t.OutputOf<typeof JobFileCodec>;
export type JobStatusWire = t.OutputOf<typeof JobStatusCodec>;
export type ResourceArchiveStatusWire = t.OutputOf<typeof ResourceArchiveStatusCodec>;
export type TokenWire = t.OutputOf<typeof TokenCodec>;
export type FileRevisionArchiveStatusWire = t.OutputOf<typeof FileRevisionArchiveStatusCodec>;
export type JobFileRevisionWire = t.OutputOf<typeof JobFileRevisionCodec>;
export type FileWire = t.OutputOf<typeof FileCodec>;
/** The wire object of a {@link Comment} (written out: the codec is recursive). */
export interface CommentWire {
  id: string;
  created: string;
  file: FileWire;
  comments: readonly CommentWire[];
  archive_status_history: readonly ResourceArchiveStatusWire[];
  created_by_id: string;
  resource_id: string;
  resource_type: 'job';
  job_id: string;
  content: string;
}
export type AccessRelationshipWire = t.OutputOf<typeof AccessRelationshipCodec>;
export type JobWire = t.OutputOf<typeof JobCodec>;
export type PageJobWire = t.OutputOf<typeof PageJobCodec>;
export type NoJobResponseWire = t.OutputOf<typeof NoJobResponseCodec>;
export type JobStatusMessageWire = t.OutputOf<typeof JobStatusMessageCodec>;
export type NewJobAssignedAgentWire = t.OutputOf<typeof NewJobAssignedAgentCodec>;
export type NoOpResponseWire = t.OutputOf<typeof NoOpResponseCodec>;

/**
 * The wire codec of what `getJobForAgent` answers: a Job, or a NoJobResponse when no job is eligible.
 * An object with an `id` is read as a Job (and its errors are a Job's errors); anything else as a NoJobResponse.
 */
export const ResponseGetJobForAgentCodec = new t.Type<
  Job | NoJobResponse,
  JobWire | NoJobResponseWire,
  unknown
>(
  'ResponseGetJobForAgent',
  (u): u is Job | NoJobResponse => JobCodec.is(u) || NoJobResponseCodec.is(u),
  (u, c) => (isRecord(u) && 'id' in u ? JobCodec.validate(u, c) : NoJobResponseCodec.validate(u, c)),
  (a) => (isNoJobResponse(a) ? NoJobResponseCodec.encode(a) : JobCodec.encode(a)),
);
withJsonSchema(ResponseGetJobForAgentCodec, (of) => ({ anyOf: [of(JobCodec), of(NoJobResponseCodec)] }));
