import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { describe, expect, it } from 'vitest';
import type { JobError } from '../../src/domain/errors.js';
import type { JobLedgerSession } from '../../src/app/JobLedgerSession.js';
import { countEvents, ok, smallJob, testLedger } from './support.js';

const huge = 'x'.repeat(200_000);
type Call = (s: JobLedgerSession, id: string) => TE.TaskEither<JobError, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const any = (v: unknown): any => v;

/** [name, call with garbage, the path the error must name] */
const cases: [string, Call, string][] = [
  ['createJob: not an object', (s) => s.createJob(any('job')), 'input'],
  ['createJob: missing function', (s) => s.createJob(any({ file: { name: 'a' } })), 'input.function'],
  [
    'createJob: missing file.name',
    (s) => s.createJob(any({ function: { id: 'f' }, file: {} })),
    'input.file.name',
  ],
  [
    'createJob: wrong type of function.id',
    (s) => s.createJob(any({ function: { id: 7 }, file: { name: 'a' } })),
    'input.function.id',
  ],
  [
    'createJob: empty function.id',
    (s) => s.createJob(any({ function: { id: '' }, file: { name: 'a' } })),
    'input.function.id',
  ],
  [
    'createJob: huge file name',
    (s) => s.createJob(any({ function: { id: 'f' }, file: { name: huge } })),
    'input.file.name',
  ],
  [
    'createJob: negative size',
    (s) => s.createJob(any({ ...smallJob, file: { name: 'a', size: -1 } })),
    'input.file.size',
  ],
  ['createJob: draft not boolean', (s) => s.createJob(any({ ...smallJob, draft: 'yes' })), 'input.draft'],
  ['createJob: unknown field', (s) => s.createJob(any({ ...smallJob, colour: 'red' })), 'input.colour'],
  ['submitJob: id not a string', (s) => s.submitJob(any(42)), 'id'],
  ['getJob: huge id', (s) => s.getJob(huge), 'id'],
  ['getJob: id with control characters', (s) => s.getJob('a\nb'), 'id'],
  ['listJobs: page 0', (s) => s.listJobs({ page: 0 }), 'input.page'],
  ['listJobs: size 1000', (s) => s.listJobs({ size: 1000 }), 'input.size'],
  ['listJobs: size 2.5', (s) => s.listJobs({ size: 2.5 }), 'input.size'],
  ['listJobs: unknown status', (s) => s.listJobs(any({ status: 'Sleeping' })), 'input.status'],
  [
    'listJobs: bad archiveStatus',
    (s) => s.listJobs(any({ archiveStatus: 'deleted' })),
    'input.archiveStatus',
  ],
  ['listJobs: bad sort', (s) => s.listJobs(any({ sort: 'name' })), 'input.sort'],
  ['listJobs: bad date', (s) => s.listJobs(any({ createdAfter: 'yesterday' })), 'input.createdAfter'],
  ['listJobs: garbage cursor', (s) => s.listJobs({ cursor: 'not-a-cursor' }), 'input.cursor'],
  ['updateStatus: unknown status', (s, id) => s.updateStatus(id, any({ status: 'Done' })), 'input.status'],
  ['updateStatus: missing status', (s, id) => s.updateStatus(id, any({})), 'input.status'],
  [
    'updateStatus: huge message',
    (s, id) => s.updateStatus(id, { status: 'Canceled', message: huge }),
    'input.message',
  ],
  ['cancelJob: message not a string', (s, id) => s.cancelJob(id, any({ message: 5 })), 'input.message'],
  ['assignAgent: missing agentId', (s, id) => s.assignAgent(id, any({})), 'input.agentId'],
  [
    'getJobForAgent: functionIds not an array',
    (s) => s.getJobForAgent(any({ functionIds: 'fn-1' })),
    'input.functionIds',
  ],
  [
    'getJobForAgent: functionIds with a number',
    (s) => s.getJobForAgent(any({ functionIds: ['a', 3] })),
    'input.functionIds.1',
  ],
  ['heartbeat: id null', (s) => s.heartbeat(any(null)), 'id'],
  ['pollJob: negative timeout', (s, id) => s.pollJob(id, { timeoutMs: -1 }), 'input.timeoutMs'],
  ['pollJob: signal not an AbortSignal', (s, id) => s.pollJob(id, any({ signal: 'stop' })), 'input.signal'],
  ['archiveJob: reason not a string', (s, id) => s.archiveJob(id, any({ reason: [] })), 'input.reason'],
  ['restoreJob: huge reason', (s, id) => s.restoreJob(id, { reason: huge }), 'input.reason'],
  ['updateProperties: empty', (s, id) => s.updateProperties(id, {}), 'input'],
  [
    'updateProperties: wrong type',
    (s, id) => s.updateProperties(id, any({ displayName: 1 })),
    'input.displayName',
  ],
  ['updateDescription: huge', (s, id) => s.updateDescription(id, huge), 'description'],
  ['updateDisplayName: not a string', (s, id) => s.updateDisplayName(id, any(null)), 'displayName'],
  [
    'updateExternalIdentifier: object',
    (s, id) => s.updateExternalIdentifier(id, any({})),
    'externalIdentifier',
  ],
  ['updateVersionName: number', (s, id) => s.updateVersionName(id, any(3)), 'versionName'],
  ['addComment: empty content', (s, id) => s.addComment(id, { content: '' }), 'input.content'],
  ['addComment: huge content', (s, id) => s.addComment(id, { content: huge }), 'input.content'],
  [
    'createAccess: bad relation',
    (s, id) => s.createAccess(id, any({ subjectType: 'user', subjectId: 'u', relation: 'god' })),
    'input.relation',
  ],
  [
    'createAccess: bad subject type',
    (s, id) => s.createAccess(id, any({ subjectType: 'group', subjectId: 'u', relation: 'viewer' })),
    'input.subjectType',
  ],
  [
    'createAccessByEmail: not an email',
    (s, id) => s.createAccessByEmail(id, { email: 'bob', relation: 'viewer' }),
    'input.email',
  ],
  ['updateAccess: missing relation', (s, id) => s.updateAccess(id, 'a1', any({})), 'input.relation'],
  [
    'updateAccess: access id not a string',
    (s, id) => s.updateAccess(id, any(1), { relation: 'viewer' }),
    'accessId',
  ],
  ['removeAccess: access id empty', (s, id) => s.removeAccess(id, ''), 'accessId'],
  ['listAccess: id undefined', (s) => s.listAccess(any(undefined)), 'id'],
  ['statusHistory: id an object', (s) => s.statusHistory(any({})), 'id'],
  ['archiveHistory: id an array', (s) => s.archiveHistory(any([])), 'id'],
  ['history: bad asOf', (s, id) => s.history(id, any({ asOf: 'last week' })), 'input.asOf'],
  ['jobAsOf: bad date', (s, id) => s.jobAsOf(id, 'soon'), 'at'],
];

describe('garbage in: a ValidationError naming the field, and nothing appended', () => {
  for (const [name, call, path] of cases) {
    it(name, async () => {
      const t = testLedger();
      const job = await ok(t.alice.createJob(smallJob));
      const before = await countEvents(t.store);
      const session = name.startsWith('getJobForAgent') ? t.agent : t.alice;
      const result = await call(session, job.id)();
      expect(E.isLeft(result), 'the call must fail').toBe(true);
      if (E.isRight(result)) return;
      expect(result.left._tag).toBe('ValidationError');
      if (result.left._tag !== 'ValidationError') return;
      expect(result.left.issues.map((i) => i.path)).toContain(path);
      expect(result.left.message).toContain(path);
      expect(result.left.message.length).toBeLessThan(2000);
      expect(await countEvents(t.store)).toBe(before);
    });
  }

  it('a malformed principal gets a session whose every call is a ValidationError', async () => {
    const t = testLedger();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const session = t.ledger.as({ kind: 'robot', id: 'r' } as any);
    const r = await session.listJobs()();
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'ValidationError' } });
  });
});
