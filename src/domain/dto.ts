import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type * as t from 'io-ts';
import { decodeWith } from './codecs/decode.js';
import {
  AccessRelationshipCodec,
  CommentCodec,
  FileCodec,
  JobCodec,
  JobFileRevisionCodec,
  TokenCodec,
  JobStatusCodec,
  JobStatusMessageCodec,
  NewJobAssignedAgentCodec,
  NoJobResponseCodec,
  NoOpResponseCodec,
  PageJobCodec,
  ResourceArchiveStatusCodec,
  ResponseGetJobForAgentCodec,
  type AccessRelationshipWire,
  type CommentWire,
  type FileWire,
  type JobFileRevisionWire,
  type TokenWire,
  type JobStatusMessageWire,
  type JobStatusWire,
  type JobWire,
  type NewJobAssignedAgentWire,
  type NoJobResponseWire,
  type NoOpResponseWire,
  type PageJobWire,
  type ResourceArchiveStatusWire,
} from './codecs/wire.js';
import { JobError, type ValidationError } from './errors.js';
import type * as model from './model.js';

/**
 * The SDK's serialization methods of one DTO, around its wire codec. `toDict` and `fromDict` work on the
 * snake_case plain object, `toJson` and `fromJson` on its JSON text; `from*` never throw.
 *
 * @typeParam A - the camelCase type (with `Date` values)
 * @typeParam O - the snake_case wire object (with ISO-8601 strings)
 */
export interface Dto<A, O> {
  /** The DTO's name, as in the SDK. */
  readonly name: string;
  /** The io-ts codec between `A` and its wire object. */
  readonly codec: t.Type<A, O, unknown>;
  /** The snake_case plain object of `value`, dates as ISO-8601 strings. */
  readonly toDict: (value: A) => O;
  /** Decodes a snake_case object (dates as ISO strings or Date objects); unknown keys are ignored. */
  readonly fromDict: (input: unknown) => E.Either<ValidationError, A>;
  /** The compact JSON text of `value`. */
  readonly toJson: (value: A) => string;
  /** Parses and decodes JSON text; text that is not JSON is a ValidationError at path `(input)`. */
  readonly fromJson: (text: string) => E.Either<ValidationError, A>;
  /** JSON indented by 2 spaces, for people (logs, the CLI). */
  readonly toStr: (value: A) => string;
}

const parseJson = (text: string): E.Either<ValidationError, unknown> => {
  if (typeof text !== 'string') {
    return E.left(
      JobError.validation([{ path: '(input)', message: `expected JSON text, got a ${typeof text}` }]),
    );
  }
  return E.tryCatch(
    (): unknown => JSON.parse(text),
    (cause) =>
      JobError.validation([
        {
          path: '(input)',
          message: `not valid JSON (${cause instanceof Error ? cause.message : String(cause)}); send the DTO as JSON text`,
        },
      ]),
  );
};

/**
 * Builds the {@link Dto} methods of one wire codec. Every DTO value of this module is made here.
 *
 * @example
 * const Comment = defineDto('Comment', CommentCodec);
 * Comment.fromJson(text); // Either<ValidationError, Comment>
 */
export const defineDto = <A, O>(name: string, codec: t.Type<A, O, unknown>): Dto<A, O> => {
  const fromDict = decodeWith(codec);
  return {
    name,
    codec,
    toDict: (value) => codec.encode(value),
    fromDict,
    toJson: (value) => JSON.stringify(codec.encode(value)),
    fromJson: (text) => pipe(parseJson(text), E.chain(fromDict)),
    toStr: (value) => JSON.stringify(codec.encode(value), null, 2),
  };
};

/** A job, in the SDK's shape: camelCase here, snake_case on the wire. See {@link model.Job}. */
export type Job = model.Job;
/**
 * The serialization methods of {@link Job}.
 *
 * @example
 * import * as E from 'fp-ts/lib/Either.js';
 * import { Job } from 'jobledger';
 *
 * const text = Job.toJson(job); // {"id":"…","created":"2026-03-01T12:00:00.000Z","status_history":[…],…}
 * const back = Job.fromJson(text);
 * if (E.isRight(back)) console.log(back.right.statusHistory.at(-1)?.name);
 * else console.error(back.left.issues); // [{ path: 'status_history.0.name', message: 'expected one of …' }]
 */
export const Job: Dto<Job, JobWire> = defineDto('Job', JobCodec);

/** One entry of a job's status history. */
export type JobStatus = model.JobStatus;
/** The serialization methods of {@link JobStatus}. */
export const JobStatus: Dto<JobStatus, JobStatusWire> = defineDto('JobStatus', JobStatusCodec);

/** One entry of a resource's archive history. */
export type ResourceArchiveStatus = model.ResourceArchiveStatus;
/** The serialization methods of {@link ResourceArchiveStatus}. */
export const ResourceArchiveStatus: Dto<ResourceArchiveStatus, ResourceArchiveStatusWire> = defineDto(
  'ResourceArchiveStatus',
  ResourceArchiveStatusCodec,
);

/**
 * A file in the SDK's shape: every revision, the current one's fields flat beside them. See {@link model.File}.
 * (It shadows the platform's `File` where it is imported by this name; import it `as JobLedgerFile` if you need both.)
 */
export type File = model.File;
/**
 * The serialization methods of {@link File}.
 *
 * @example
 * import { File } from 'jobledger';
 * const wire = File.toDict(job.file); // { id, created, revisions: [{ content_token: { sha, ... }, ... }], ... }
 */
export const File: Dto<File, FileWire> = defineDto('File', FileCodec);

/** One revision of a file: the SDK's `FileRevision`. See {@link model.JobFileRevision}. */
export type JobFileRevision = model.JobFileRevision;
/** The serialization methods of {@link JobFileRevision} (the SDK's `FileRevision`). */
export const JobFileRevision: Dto<JobFileRevision, JobFileRevisionWire> = defineDto(
  'FileRevision',
  JobFileRevisionCodec,
);

/** The SDK's token of a revision's content or properties. See {@link model.Token}. */
export type Token = model.Token;
/** The serialization methods of {@link Token}. */
export const Token: Dto<Token, TokenWire> = defineDto('Token', TokenCodec);

/** A comment on a job, in the SDK's shape; `content` holds its text. See {@link model.Comment}. */
export type Comment = model.Comment;
/** The serialization methods of {@link Comment}. */
export const Comment: Dto<Comment, CommentWire> = defineDto('Comment', CommentCodec);

/** A grant of a relation on a job to a user, an agent or an email address. */
export type AccessRelationship = model.AccessRelationship;
/** The serialization methods of {@link AccessRelationship}. */
export const AccessRelationship: Dto<AccessRelationship, AccessRelationshipWire> = defineDto(
  'AccessRelationship',
  AccessRelationshipCodec,
);

/** A page of jobs; `nextCursor` is null on the last page. */
export type PageJob = model.PageJob;
/** The serialization methods of {@link PageJob}. */
export const PageJob: Dto<PageJob, PageJobWire> = defineDto('PageJob', PageJobCodec);

/** What `getJobForAgent` answers when no job is eligible. */
export type NoJobResponse = model.NoJobResponse;
/** The serialization methods of {@link NoJobResponse}. */
export const NoJobResponse: Dto<NoJobResponse, NoJobResponseWire> = defineDto(
  'NoJobResponse',
  NoJobResponseCodec,
);

/** A message about a job's status. */
export type JobStatusMessage = model.JobStatusMessage;
/** The serialization methods of {@link JobStatusMessage}. */
export const JobStatusMessage: Dto<JobStatusMessage, JobStatusMessageWire> = defineDto(
  'JobStatusMessage',
  JobStatusMessageCodec,
);

/** The agent a job was assigned to. */
export type NewJobAssignedAgent = model.NewJobAssignedAgent;
/** The serialization methods of {@link NewJobAssignedAgent}. */
export const NewJobAssignedAgent: Dto<NewJobAssignedAgent, NewJobAssignedAgentWire> = defineDto(
  'NewJobAssignedAgent',
  NewJobAssignedAgentCodec,
);

/** The answer of a call that had nothing to do. */
export type NoOpResponse = model.NoOpResponse;
/** The serialization methods of {@link NoOpResponse}. */
export const NoOpResponse: Dto<NoOpResponse, NoOpResponseWire> = defineDto('NoOpResponse', NoOpResponseCodec);

/** What `getJobForAgent` answers: a Job, or a {@link NoJobResponse} when no job is eligible. */
export type ResponseGetJobForAgent = Job | NoJobResponse;
/**
 * The serialization methods of {@link ResponseGetJobForAgent}. An object with an `id` decodes as a Job,
 * anything else as a NoJobResponse; tell them apart with `isNoJobResponse`.
 */
export const ResponseGetJobForAgent: Dto<ResponseGetJobForAgent, JobWire | NoJobResponseWire> = defineDto(
  'ResponseGetJobForAgent',
  ResponseGetJobForAgentCodec,
);
