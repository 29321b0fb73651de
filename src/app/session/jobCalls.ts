import * as E from 'fp-ts/lib/Either.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import { JobError } from '../../domain/errors.js';
import type { JobState } from '../../domain/jobState.js';
import { decodeCursor } from '../../projections/jobListProjection.js';
import { handleCommand } from '../handleCommand.js';
import { extensionOf, mimeOf } from '../../domain/fileRevisions.js';
import { contentChunks, storeContent } from '../jobFiles.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import type { SessionKit } from './sessionKit.js';

/** The calls that create a job, read and list jobs, and change what is not its status: archive, properties, comments. @internal */
export const jobCalls = (
  kit: SessionKit,
): Pick<
  JobLedgerSession,
  | 'createJob'
  | 'submitJob'
  | 'getJob'
  | 'listJobs'
  | 'cancelJob'
  | 'assignAgent'
  | 'archiveJob'
  | 'restoreJob'
  | 'updateProperties'
  | 'updateDescription'
  | 'updateDisplayName'
  | 'updateExternalIdentifier'
  | 'updateVersionName'
  | 'addComment'
> => {
  const { ctx, principal, caller, decode, run, jobOf, visible, withInput } = kit;
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

  return {
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
  };
};
