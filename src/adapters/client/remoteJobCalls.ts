import * as E from 'fp-ts/lib/Either.js';
import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import { Comment, Job, PageJob } from '../../domain/dto.js';
import { JobStatus, ResourceArchiveStatus } from '../../domain/dto.js';
import { JobError } from '../../domain/errors.js';
import { decodeStoredEvents, listOf } from './answerCodecs.js';
import { contentOf } from './remoteFileCalls.js';
import { snakeCaseKeys, type RemoteKit } from './remoteKit.js';

type JobCallNames =
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
  | 'statusHistory'
  | 'archiveHistory'
  | 'history'
  | 'jobAsOf';

const listQuery = (input: unknown): Record<string, string> | undefined => {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(snakeCaseKeys(input) as Record<string, unknown>)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
};

/**
 * The job calls of the remote client (everything but claims, status, access and files), each one request to
 * the route `jobledger serve` has for it.
 * @internal
 */
export const remoteJobCalls = (kit: RemoteKit): Pick<JobLedgerSession, JobCallNames> => {
  const { jobPath, call } = kit;
  const command =
    (route: string, method: 'POST' | 'PUT' | 'PATCH', suffix: string) => (id: unknown, input?: unknown) =>
      call(
        jobPath(id),
        (path) => ({
          method,
          path: `${path}${suffix}`,
          route,
          command: true,
          json: snakeCaseKeys(input ?? {}),
        }),
        Job.fromDict,
      );
  const properties = command('PATCH /jobs/{id}/properties', 'PATCH', '/properties');
  const createJob: JobLedgerSession['createJob'] = (input) => async () => {
    const file = (input as { file?: unknown } | null)?.file;
    if (typeof file !== 'object' || file === null || !('content' in file))
      return kit.transport.json(
        {
          method: 'POST',
          path: '/jobs',
          route: 'POST /jobs',
          command: true,
          json: snakeCaseKeys(input ?? {}),
        },
        Job.fromDict,
      );
    // With content: the bytes stream as the body, the rest of the input rides in a header.
    const { content, ...fields } = file as { content: unknown };
    const body = contentOf(content, 'input.file.content');
    if (E.isLeft(body)) return body;
    return kit.transport.json(
      {
        method: 'POST',
        path: '/jobs/with-file',
        route: 'POST /jobs/with-file',
        command: true,
        headers: {
          'x-job-input': encodeURIComponent(JSON.stringify(snakeCaseKeys({ ...input, file: fields }))),
        },
        stream: body.right,
      },
      Job.fromDict,
    );
  };
  return {
    createJob,
    submitJob: (id) => command('POST /jobs/{id}/submit', 'POST', '/submit')(id),
    getJob: (id) =>
      call(
        jobPath(id),
        (path) => ({ method: 'GET', path, route: 'GET /jobs/{id}', command: false }),
        Job.fromDict,
      ),
    listJobs: (input) => {
      const query = listQuery(input);
      return call(
        query === undefined
          ? E.left(JobError.validation([{ path: 'input', message: 'expected an object' }]))
          : E.right('/jobs'),
        (path) => ({ method: 'GET', path, route: 'GET /jobs', command: false, query: query ?? {} }),
        PageJob.fromDict,
      );
    },
    cancelJob: (id, input) => command('POST /jobs/{id}/cancel', 'POST', '/cancel')(id, input),
    assignAgent: (id, input) => command('PUT /jobs/{id}/agent', 'PUT', '/agent')(id, input),
    archiveJob: (id, input) => command('POST /jobs/{id}/archive', 'POST', '/archive')(id, input),
    restoreJob: (id, input) => command('POST /jobs/{id}/restore', 'POST', '/restore')(id, input),
    updateProperties: (id, input) => properties(id, input),
    updateDescription: (id, description) => properties(id, { description }),
    updateDisplayName: (id, displayName) => properties(id, { displayName }),
    updateExternalIdentifier: (id, externalIdentifier) => properties(id, { externalIdentifier }),
    updateVersionName: (id, versionName) => properties(id, { versionName }),
    addComment: (id, input) =>
      call(
        jobPath(id),
        (path) => ({
          method: 'POST',
          path: `${path}/comments`,
          route: 'POST /jobs/{id}/comments',
          command: true,
          json: snakeCaseKeys(input ?? {}),
        }),
        Comment.fromDict,
      ),
    statusHistory: (id) =>
      call(
        jobPath(id),
        (path) => ({
          method: 'GET',
          path: `${path}/status-history`,
          route: 'GET /jobs/{id}/status-history',
          command: false,
        }),
        listOf(JobStatus.fromDict),
      ),
    archiveHistory: (id) =>
      call(
        jobPath(id),
        (path) => ({
          method: 'GET',
          path: `${path}/archive-history`,
          route: 'GET /jobs/{id}/archive-history',
          command: false,
        }),
        listOf(ResourceArchiveStatus.fromDict),
      ),
    history: (id, input) =>
      call(
        jobPath(id),
        (path) => ({
          method: 'GET',
          path: `${path}/history`,
          route: 'GET /jobs/{id}/history',
          command: false,
          query: listQuery(input) ?? { as_of: String(input) },
        }),
        decodeStoredEvents,
      ),
    jobAsOf: (id, at) =>
      call(
        jobPath(id),
        (path) => ({
          method: 'GET',
          path: `${path}/as-of`,
          route: 'GET /jobs/{id}/as-of',
          command: false,
          query: { at: at instanceof Date ? at.toISOString() : String(at) },
        }),
        Job.fromDict,
      ),
  };
};
