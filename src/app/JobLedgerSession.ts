import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { decodeWith } from '../domain/codecs/decode.js';
import { inputCodecs, type CreateJobInput, type ListJobsInput } from '../domain/codecs/inputs.js';
import type { JobCommand } from '../domain/decide.js';
import { JobError, type ValidationError } from '../domain/errors.js';
import type { JobState } from '../domain/jobState.js';
import type { JobStatusName } from '../domain/JobStatusName.js';
import type {
  AccessRelation,
  AccessRelationship,
  AccessSubjectType,
  Comment,
  Job,
  JobStatus,
  NoJobResponse,
  PageJob,
  ResourceArchiveStatus,
} from '../domain/model.js';
import { atLeast, relationOf } from '../domain/policy.js';
import type { Principal } from '../domain/principal.js';
import { foldJobStream } from '../domain/replay.js';
import { jobStreamId, type StoredEvent } from '../domain/storedEvent.js';
import { decodeCursor } from '../projections/jobListProjection.js';
import { handleCommand, type CommandCaller } from './handleCommand.js';
import type { LedgerContext } from './LedgerContext.js';
import { defaultPollTimeoutMs, pollJob } from './pollJob.js';
import type { Readable } from 'node:stream';
import * as t from 'io-ts';
import { Name, ShortText, boundedString, intIn, strictObject } from '../domain/codecs/decode.js';
import { decide } from '../domain/decide.js';
import { extensionOf, mimeOf, type FileRevision } from '../domain/fileRevisions.js';
import type { JobFile } from '../domain/model.js';
import {
  contentChunks,
  jobWithRevisions,
  openVerified,
  pickRevision,
  readAll,
  storeContent,
  writeVerified,
  type FileContent,
} from './jobFiles.js';

export type { CreateJobInput, ListJobsInput, FileContent };

/** `createJob`'s input: as {@link CreateJobInput}, and the file may carry its `content`. */
export type NewJobInput = Omit<CreateJobInput, 'file'> & {
  readonly file: CreateJobInput['file'] & { readonly content?: FileContent };
};

/** Which revision of a job's file to read (default: the current one, the last added). */
export interface ReadFileInput {
  readonly revision?: number;
}

/** A verified stream of one revision's bytes, with the file it belongs to (for download routes). */
export interface FileStream {
  readonly revision: number;
  readonly file: JobFile;
  /** Fails with an Error whose `error` is a StoreError of kind `file-altered` if the bytes do not check out. */
  readonly stream: Readable;
}

const fileInputCodecs = {
  read: strictObject('ReadFileInput', {}, { revision: intIn('Revision', 1, Number.MAX_SAFE_INTEGER) }),
  upload: strictObject('UploadResultInput', { name: Name, content: t.unknown }, { mime: ShortText }),
  path: boundedString('Path', 4096, 1),
};

/** Every call of a principal's view of the ledger (DESIGN section 4). Each returns a `TaskEither<JobError, T>`. */
export interface JobLedgerSession {
  readonly principal: Principal;
  /** Creates a job (Created, then Pending unless `draft: true`). The creator becomes its owner. */
  createJob(input: NewJobInput): TE.TaskEither<JobError, Job>;
  /** Submits a draft: Created -> Pending. */
  submitJob(id: string): TE.TaskEither<JobError, Job>;
  getJob(id: string): TE.TaskEither<JobError, Job>;
  /** A page of the jobs this principal may see. `page` is 1-based, `size` 1..100 (default 10). */
  listJobs(input?: ListJobsInput): TE.TaskEither<JobError, PageJob>;
  updateStatus(
    id: string,
    input: { status: JobStatusName; message?: string; agentId?: string },
  ): TE.TaskEither<JobError, Job>;
  cancelJob(id: string, input?: { message?: string }): TE.TaskEither<JobError, Job>;
  assignAgent(id: string, input: { agentId: string }): TE.TaskEither<JobError, Job>;
  /** For agents: claims the oldest eligible Pending job atomically, or answers a NoJobResponse. */
  getJobForAgent(input?: { functionIds?: string[] }): TE.TaskEither<JobError, Job | NoJobResponse>;
  /** For the agent holding the job: extends its lease. */
  heartbeat(id: string): TE.TaskEither<JobError, { leaseExpiresAt: Date }>;
  /** Waits for a terminal status (event-driven). `Timeout` after `timeoutMs` (default 60 s) or on abort. */
  pollJob(
    id: string,
    input?: { timeoutMs?: number; signal?: AbortSignal },
  ): TE.TaskEither<JobError, JobStatusName>;
  archiveJob(id: string, input?: { reason?: string }): TE.TaskEither<JobError, Job>;
  restoreJob(id: string, input?: { reason?: string }): TE.TaskEither<JobError, Job>;
  updateProperties(
    id: string,
    input: { displayName?: string; description?: string; externalIdentifier?: string; versionName?: string },
  ): TE.TaskEither<JobError, Job>;
  updateDescription(id: string, description: string): TE.TaskEither<JobError, Job>;
  updateDisplayName(id: string, displayName: string): TE.TaskEither<JobError, Job>;
  updateExternalIdentifier(id: string, externalIdentifier: string): TE.TaskEither<JobError, Job>;
  updateVersionName(id: string, versionName: string): TE.TaskEither<JobError, Job>;
  addComment(id: string, input: { content: string }): TE.TaskEither<JobError, Comment>;
  createAccess(
    id: string,
    input: { subjectType: AccessSubjectType; subjectId: string; relation: AccessRelation },
  ): TE.TaskEither<JobError, AccessRelationship>;
  createAccessByEmail(
    id: string,
    input: { email: string; relation: AccessRelation },
  ): TE.TaskEither<JobError, AccessRelationship>;
  updateAccess(
    id: string,
    accessId: string,
    input: { relation: AccessRelation },
  ): TE.TaskEither<JobError, AccessRelationship>;
  removeAccess(id: string, accessId: string): TE.TaskEither<JobError, AccessRelationship>;
  listAccess(id: string): TE.TaskEither<JobError, readonly AccessRelationship[]>;
  statusHistory(id: string): TE.TaskEither<JobError, readonly JobStatus[]>;
  archiveHistory(id: string): TE.TaskEither<JobError, readonly ResourceArchiveStatus[]>;
  /** The audit trail: the job's stored events, up to `asOf` when given. */
  history(id: string, input?: { asOf?: Date | string }): TE.TaskEither<JobError, readonly StoredEvent[]>;
  /** The job as it was at `at` (time travel). NotFound if it did not exist yet. */
  jobAsOf(id: string, at: Date | string): TE.TaskEither<JobError, Job>;
  /**
   * For the agent holding the job, while it is Uploading: stores `content` and adds it as the next revision of
   * the job's file (`JobFileRevisionAdded`). Conflict outside Uploading or from a stale agent.
   */
  uploadResult(
    id: string,
    input: { name: string; content: FileContent; mime?: string },
  ): TE.TaskEither<JobError, Job>;
  /** Every revision of the job's file, oldest first (revision 1 is the file the job was created with). */
  fileRevisions(id: string): TE.TaskEither<JobError, readonly FileRevision[]>;
  /** The bytes of the file (current revision, or `revision`), checked against their sha256. */
  readBytes(id: string, input?: ReadFileInput): TE.TaskEither<JobError, Uint8Array>;
  /** The file as UTF-8 text, checked. */
  readText(id: string, input?: ReadFileInput): TE.TaskEither<JobError, string>;
  /** The file parsed as JSON, checked; a ValidationError when it is not JSON. */
  readJson(id: string, input?: ReadFileInput): TE.TaskEither<JobError, unknown>;
  /** Streams the file to `path` (constant memory); `path` is replaced only once the bytes checked out. */
  copyTo(
    id: string,
    path: string,
    input?: ReadFileInput,
  ): TE.TaskEither<JobError, { path: string; bytes: number; revision: number }>;
  /** The file as a stream that checks itself as it ends (for download routes). */
  openFile(id: string, input?: ReadFileInput): TE.TaskEither<JobError, FileStream>;
}

type Result<T> = Promise<E.Either<JobError, T>>;

/** @internal */
export const createSession = (
  ctx: LedgerContext,
  principal: Principal,
  options: { correlationId?: string } = {},
): JobLedgerSession => {
  const caller: CommandCaller = {
    principal,
    ...(options.correlationId !== undefined && { correlationId: options.correlationId }),
  };

  const decodeId = (id: unknown): E.Either<ValidationError, string> =>
    decodeWith(inputCodecs.jobId, 'id')(id);

  const run = (
    id: unknown,
    command: JobCommand | E.Either<ValidationError, JobCommand>,
  ): Result<JobState> => {
    const jobId = decodeId(id);
    if (E.isLeft(jobId)) return Promise.resolve(jobId);
    const cmd = 'type' in command ? E.right(command) : command;
    if (E.isLeft(cmd)) return Promise.resolve(cmd);
    return handleCommand(ctx, jobId.right, caller, cmd.right)();
  };

  const jobOf = async (p: Result<JobState>): Result<Job> => E.map((s: JobState) => s.job!)(await p);

  /** A job this principal may see, from the read model. */
  const visible = async (id: unknown): Result<JobState> => {
    const jobId = decodeId(id);
    if (E.isLeft(jobId)) return jobId;
    try {
      const state = await ctx.readModel.getJob(jobId.right);
      if (state === undefined || state.job === null || relationOf(principal, state) === 'none') {
        return E.left(JobError.notFound('job', jobId.right));
      }
      return E.right(state);
    } catch (cause) {
      return E.left(JobError.store(`reading job ${jobId.right} failed: ${String(cause)}`, cause));
    }
  };

  const readStream = async (jobId: string): Result<StoredEvent[]> => {
    try {
      const events: StoredEvent[] = [];
      for await (const e of ctx.store.readStream(jobStreamId(jobId))) events.push(e);
      return E.right(events);
    } catch (cause) {
      return E.left(JobError.store(`reading job ${jobId} failed: ${String(cause)}`, cause));
    }
  };

  const decode = <A>(codec: Parameters<typeof decodeWith<A, unknown>>[0], root: string, input: unknown) =>
    decodeWith(codec, root)(input);

  const withInput = <A>(
    codec: Parameters<typeof decodeWith<A, unknown>>[0],
    root: string,
    input: unknown,
    f: (a: A) => JobCommand,
  ): E.Either<ValidationError, JobCommand> => E.map(f)(decode(codec, root, input));

  const property =
    (id: string, key: 'description' | 'displayName' | 'externalIdentifier' | 'versionName', value: unknown) =>
    () =>
      jobOf(
        run(
          id,
          withInput(
            key === 'description' ? inputCodecs.description : inputCodecs.shortText,
            key,
            value,
            (v) => ({
              type: 'UpdateProperties',
              properties: { [key]: v },
            }),
          ),
        ),
      );

  const accessCommand = async (
    id: unknown,
    command: E.Either<ValidationError, JobCommand>,
    pick: (s: JobState) => AccessRelationship | undefined,
  ): Result<AccessRelationship> => {
    const r = await run(id, command);
    if (E.isLeft(r)) return r;
    const found = pick(r.right);
    return found === undefined ? E.left(JobError.store('access change was not recorded')) : E.right(found);
  };

  /** The revision of a job's file this principal asked for, if it may see the job. */
  const revisionOf = async (id: unknown, input: unknown) => {
    const jobId = decodeId(id);
    if (E.isLeft(jobId)) return jobId;
    const decoded = decode(fileInputCodecs.read, 'input', input ?? {});
    if (E.isLeft(decoded)) return decoded;
    const found = await jobWithRevisions(ctx, principal, jobId.right);
    if (E.isLeft(found)) return found;
    return pickRevision(jobId.right, found.right.revisions, decoded.right.revision);
  };

  const openRevision = async (id: unknown, input: unknown): Result<FileStream> => {
    const rev = await revisionOf(id, input);
    if (E.isLeft(rev)) return rev;
    const stream = await openVerified(ctx.files, String(id), rev.right);
    return E.map((s: Readable) => ({ revision: rev.right.revision, file: rev.right.file, stream: s }))(
      stream,
    );
  };

  const bytesOf = async (id: unknown, input: unknown): Result<Buffer> => {
    const opened = await openRevision(id, input);
    if (E.isLeft(opened)) return opened;
    return readAll(opened.right.stream);
  };

  return {
    principal,
    uploadResult: (id, input) => async () => {
      const jobId = decodeId(id);
      if (E.isLeft(jobId)) return jobId;
      const decoded = decode(fileInputCodecs.upload, 'input', input);
      if (E.isLeft(decoded)) return decoded;
      const chunks = contentChunks(decoded.right.content, 'input.content');
      if (E.isLeft(chunks)) return chunks;
      // Refuse before storing any bytes: no access, wrong status, stale agent.
      const current = await jobWithRevisions(ctx, principal, jobId.right);
      if (E.isLeft(current)) return current;
      const probe = { name: decoded.right.name, size: 0, sha256: '0'.repeat(64) };
      const allowed = decide({ type: 'UploadResult', file: probe }, current.right.state, {
        principal,
        now: ctx.clock(),
        newId: ctx.ids,
        leaseMs: ctx.leaseMs,
      });
      if (E.isLeft(allowed)) return allowed;
      const stored = await storeContent(ctx, chunks.right);
      if (E.isLeft(stored)) return stored;
      const extension = extensionOf(decoded.right.name);
      return jobOf(
        run(jobId.right, {
          type: 'UploadResult',
          file: {
            name: decoded.right.name,
            size: stored.right.size,
            sha256: stored.right.sha256,
            mime: decoded.right.mime ?? mimeOf(decoded.right.name),
            ...(extension !== undefined && { extension }),
          },
        }),
      );
    },
    fileRevisions: (id) => async () => {
      const jobId = decodeId(id);
      if (E.isLeft(jobId)) return jobId;
      return E.map((r: { revisions: readonly FileRevision[] }) => r.revisions)(
        await jobWithRevisions(ctx, principal, jobId.right),
      );
    },
    readBytes: (id, input) => async () =>
      E.map((b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))(await bytesOf(id, input)),
    readText: (id, input) => async () => E.map((b: Buffer) => b.toString('utf8'))(await bytesOf(id, input)),
    readJson: (id, input) => async () => {
      const bytes = await bytesOf(id, input);
      if (E.isLeft(bytes)) return bytes;
      try {
        return E.right(JSON.parse(bytes.right.toString('utf8')) as unknown);
      } catch (cause) {
        return E.left(
          JobError.validation([
            {
              path: '(file)',
              message: `the file of job ${String(id)} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)}); read it with readText or readBytes`,
            },
          ]),
        );
      }
    },
    copyTo: (id, path, input) => async () => {
      const target = decodeWith(fileInputCodecs.path, 'path')(path);
      if (E.isLeft(target)) return target;
      const opened = await openRevision(id, input);
      if (E.isLeft(opened)) return opened;
      const written = await writeVerified(opened.right.stream, target.right);
      return E.map((w: { path: string; bytes: number }) => ({ ...w, revision: opened.right.revision }))(
        written,
      );
    },
    openFile: (id, input) => () => openRevision(id, input),
    createJob: (input) => async () => {
      // The content is taken apart from the rest, which decodes as before.
      const rawFile = (input as { file?: unknown } | null)?.file;
      const hasContent = typeof rawFile === 'object' && rawFile !== null && 'content' in rawFile;
      const { content, ...fileFields } = hasContent
        ? (rawFile as { content: unknown })
        : { content: undefined };
      const decoded = decode(
        inputCodecs.createJob,
        'input',
        hasContent ? { ...(input as object), file: fileFields } : input,
      );
      if (E.isLeft(decoded)) return decoded;
      const { id, tenantId, draft, ...rest } = decoded.right;
      let tenant: string;
      if (principal.kind === 'system') {
        if (tenantId === undefined)
          return E.left(
            JobError.validation([
              { path: 'input.tenantId', message: 'the system principal must name the tenant of the job' },
            ]),
          );
        tenant = tenantId;
      } else {
        if (tenantId !== undefined && tenantId !== principal.tenantId) {
          return E.left(
            JobError.forbidden(
              `${principal.kind} ${principal.id} may only create jobs in tenant ${principal.tenantId}`,
            ),
          );
        }
        tenant = principal.tenantId;
      }
      const jobId = id ?? ctx.ids();
      let file = rest.file;
      if (hasContent) {
        const chunks = contentChunks(content, 'input.file.content');
        if (E.isLeft(chunks)) return chunks;
        const stored = await storeContent(ctx, chunks.right);
        if (E.isLeft(stored)) return stored;
        const { sha256, size } = stored.right;
        const mismatch = [
          ...(file.size !== undefined && file.size !== size
            ? [{ path: 'input.file.size', message: `is ${file.size}, but the content has ${size} bytes` }]
            : []),
          ...(file.sha256 !== undefined && file.sha256.toLowerCase() !== sha256
            ? [
                {
                  path: 'input.file.sha256',
                  message: `is ${file.sha256}, but the content hashes to ${sha256}`,
                },
              ]
            : []),
        ];
        if (mismatch.length > 0) return E.left(JobError.validation(mismatch));
        const extension = file.extension ?? extensionOf(file.name);
        file = {
          ...file,
          size,
          sha256,
          mime: file.mime ?? mimeOf(file.name),
          ...(extension !== undefined && { extension }),
        };
      }
      return jobOf(
        handleCommand(ctx, jobId, caller, {
          type: 'CreateJob',
          jobId,
          tenantId: tenant,
          ...rest,
          file,
          ...(draft !== undefined && { draft }),
          ...(hasContent && { fileStored: true }),
        })(),
      );
    },
    submitJob: (id) => () => jobOf(run(id, { type: 'SubmitJob' })),
    getJob: (id) => async () => E.map((s: JobState) => s.job!)(await visible(id)),
    listJobs:
      (input = {}) =>
      async () => {
        const decoded = decode(inputCodecs.listJobs, 'input', input);
        if (E.isLeft(decoded)) return decoded;
        const {
          cursor: cursorText,
          page = 1,
          size = 10,
          archiveStatus = 'active',
          sort = '-created',
          ...filters
        } = decoded.right;
        const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText);
        if (cursorText !== undefined && (cursor === undefined || cursor.sort !== sort)) {
          return E.left(
            JobError.validation([
              {
                path: 'input.cursor',
                message:
                  'not a cursor of this listing (pass nextCursor from the previous page, with the same sort)',
              },
            ]),
          );
        }
        try {
          const result = await ctx.readModel.listJobs(
            { ...filters, page, size, archiveStatus, sort, ...(cursor !== undefined && { cursor }) },
            principal,
          );
          return E.right({
            items: result.items,
            total: result.total,
            page,
            size,
            pages: Math.ceil(result.total / size),
            nextCursor: result.nextCursor,
          });
        } catch (cause) {
          return E.left(JobError.store(`listing jobs failed: ${String(cause)}`, cause));
        }
      },
    updateStatus: (id, input) => () =>
      jobOf(
        run(
          id,
          withInput(inputCodecs.updateStatus, 'input', input, ({ status, ...rest }) => ({
            type: 'ChangeStatus',
            to: status,
            ...rest,
          })),
        ),
      ),
    cancelJob:
      (id, input = {}) =>
      () =>
        jobOf(
          run(
            id,
            withInput(inputCodecs.message, 'input', input, (i) => ({ type: 'CancelJob', ...i })),
          ),
        ),
    assignAgent: (id, input) => () =>
      jobOf(
        run(
          id,
          withInput(inputCodecs.assignAgent, 'input', input, (i) => ({
            type: 'AssignAgent',
            agentId: i.agentId,
          })),
        ),
      ),
    getJobForAgent:
      (input = {}) =>
      async () => {
        const decoded = decode(inputCodecs.getJobForAgent, 'input', input);
        if (E.isLeft(decoded)) return decoded;
        if (principal.kind !== 'agent')
          return E.left(
            JobError.forbidden(
              'getJobForAgent is for agent principals; use ledger.as({ kind: "agent", ... })',
            ),
          );
        const functionIds = decoded.right.functionIds;
        // A lost race (another agent claimed the candidate first) moves on to the next candidate.
        for (let round = 0; round < 5; round++) {
          let candidates: readonly string[];
          try {
            candidates = await ctx.readModel.claimCandidates(principal, functionIds, 8);
          } catch (cause) {
            return E.left(JobError.store(`finding work failed: ${String(cause)}`, cause));
          }
          if (candidates.length === 0) break;
          for (const jobId of candidates) {
            const claimed = await handleCommand(ctx, jobId, caller, { type: 'ClaimJob' })();
            if (E.isRight(claimed)) return E.right(claimed.right.job!);
            if (
              claimed.left._tag !== 'Conflict' &&
              claimed.left._tag !== 'ConcurrencyConflict' &&
              claimed.left._tag !== 'NotFound'
            )
              return claimed;
          }
        }
        return E.right({ message: `no job is available for agent ${principal.id}` });
      },
    heartbeat: (id) => async () =>
      E.map((s: JobState) => ({ leaseExpiresAt: s.leaseExpiresAt! }))(await run(id, { type: 'Heartbeat' })),
    pollJob:
      (id, input = {}) =>
      async () => {
        const jobId = decodeId(id);
        if (E.isLeft(jobId)) return jobId;
        const decoded = decode(inputCodecs.pollJob, 'input', input);
        if (E.isLeft(decoded)) return decoded;
        const signal = decoded.right.signal;
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          return E.left(JobError.validation([{ path: 'input.signal', message: 'expected an AbortSignal' }]));
        }
        return pollJob(ctx, principal, jobId.right, decoded.right.timeoutMs ?? defaultPollTimeoutMs, signal);
      },
    archiveJob:
      (id, input = {}) =>
      () =>
        jobOf(
          run(
            id,
            withInput(inputCodecs.reason, 'input', input, (i) => ({ type: 'ArchiveJob', ...i })),
          ),
        ),
    restoreJob:
      (id, input = {}) =>
      () =>
        jobOf(
          run(
            id,
            withInput(inputCodecs.reason, 'input', input, (i) => ({ type: 'RestoreJob', ...i })),
          ),
        ),
    updateProperties: (id, input) => async () => {
      const decoded = decode(inputCodecs.properties, 'input', input);
      if (E.isLeft(decoded)) return decoded;
      if (Object.keys(decoded.right).length === 0) {
        return E.left(
          JobError.validation([
            {
              path: 'input',
              message: 'name at least one of displayName, description, externalIdentifier, versionName',
            },
          ]),
        );
      }
      return jobOf(run(id, { type: 'UpdateProperties', properties: decoded.right }));
    },
    updateDescription: (id, v) => property(id, 'description', v),
    updateDisplayName: (id, v) => property(id, 'displayName', v),
    updateExternalIdentifier: (id, v) => property(id, 'externalIdentifier', v),
    updateVersionName: (id, v) => property(id, 'versionName', v),
    addComment: (id, input) => async () => {
      const r = await run(
        id,
        withInput(inputCodecs.comment, 'input', input, (i) => ({ type: 'AddComment', content: i.content })),
      );
      return E.map((s: JobState) => s.job!.comments[s.job!.comments.length - 1]!)(r);
    },
    createAccess: (id, input) => () =>
      accessCommand(
        id,
        withInput(inputCodecs.createAccess, 'input', input, (i) => ({ type: 'GrantAccess', ...i })),
        (s) => s.access[s.access.length - 1],
      ),
    createAccessByEmail: (id, input) => () =>
      accessCommand(
        id,
        withInput(inputCodecs.createAccessByEmail, 'input', input, (i) => ({
          type: 'GrantAccess',
          subjectType: 'email',
          subjectId: i.email,
          relation: i.relation,
        })),
        (s) => s.access[s.access.length - 1],
      ),
    updateAccess: (id, accessId, input) => () => {
      const aid = decodeWith(inputCodecs.jobId, 'accessId')(accessId);
      if (E.isLeft(aid)) return Promise.resolve(aid);
      return accessCommand(
        id,
        withInput(inputCodecs.updateAccess, 'input', input, (i) => ({
          type: 'UpdateAccess',
          accessId: aid.right,
          relation: i.relation,
        })),
        (s) => s.access.find((a) => a.id === aid.right),
      );
    },
    removeAccess: (id, accessId) => async () => {
      const aid = decodeWith(inputCodecs.jobId, 'accessId')(accessId);
      if (E.isLeft(aid)) return aid;
      const before = await visible(id);
      const grant = E.isRight(before) ? before.right.access.find((a) => a.id === aid.right) : undefined;
      const r = await run(id, { type: 'RevokeAccess', accessId: aid.right });
      if (E.isLeft(r)) return r;
      return grant === undefined
        ? E.left(JobError.notFound('access relationship', aid.right))
        : E.right(grant);
    },
    listAccess: (id) => async () => {
      const s = await visible(id);
      if (E.isLeft(s)) return s;
      if (!atLeast(relationOf(principal, s.right), 'owner'))
        return E.left(JobError.forbidden('listing access needs owner access to the job; ask its owner'));
      return E.right(s.right.access);
    },
    statusHistory: (id) => async () => E.map((s: JobState) => s.job!.statusHistory)(await visible(id)),
    archiveHistory: (id) => async () =>
      E.map((s: JobState) => s.job!.archiveStatusHistory)(await visible(id)),
    history:
      (id, input = {}) =>
      async () => {
        const decoded = decode(inputCodecs.history, 'input', input);
        if (E.isLeft(decoded)) return decoded;
        const s = await visible(id);
        if (E.isLeft(s)) return s;
        const events = await readStream(s.right.job!.id);
        const asOf = decoded.right.asOf;
        return asOf === undefined
          ? events
          : E.map((es: StoredEvent[]) =>
              es.filter((e) => new Date(e.metadata.recordedAt).getTime() <= asOf.getTime()),
            )(events);
      },
    jobAsOf: (id, at) => async () => {
      const when = decodeWith(inputCodecs.at, 'at')(at);
      if (E.isLeft(when)) return when;
      const s = await visible(id);
      if (E.isLeft(s)) return s;
      const events = await readStream(s.right.job!.id);
      if (E.isLeft(events)) return events;
      const cut = events.right.filter(
        (e) => new Date(e.metadata.recordedAt).getTime() <= when.right.getTime(),
      );
      const folded = foldJobStream(cut, ctx.upcasters);
      if (E.isLeft(folded))
        return E.left(
          JobError.store(`job ${s.right.job!.id} does not replay: ${folded.left.message}; run verify`),
        );
      if (folded.right.job === null)
        return E.left(JobError.notFound('job', `${s.right.job!.id} at ${when.right.toISOString()}`));
      return E.right(folded.right.job);
    },
  };
};
