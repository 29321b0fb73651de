import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import { httpErrorOf } from '../../../src/adapters/http/httpError.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { jobJsonText, pageJobJsonText } from '../../../src/adapters/http/wireText.js';
import { deepFreeze } from '../../../src/adapters/memory/deepFreeze.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { decodeJobState } from '../../../src/adapters/sqlite/jobStateJson.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { Job, PageJob } from '../../../src/domain/dto.js';
import { JobError } from '../../../src/domain/errors.js';
import { relationOf } from '../../../src/domain/policy.js';
import { jobScenarioArb, runScenario } from '../../../src/testing/arbitraries.js';
import { appendTakingTurns } from '../../support/appendTakingTurns.js';
import { tempDatabases } from '../sqlite/tempDatabase.js';

const jobArb = jobScenarioArb('j', 15).map((s) => runScenario(s).state.job!);

describe('wire texts: encoded once, the same text as the codecs write', () => {
  it('jobJsonText answers JSON.stringify(Job.toDict(job)), frozen or not, read once or again', () => {
    fc.assert(
      fc.property(jobArb, fc.boolean(), (job, frozen) => {
        const expected = JSON.stringify(Job.toDict(job));
        const subject = frozen ? deepFreeze(job) : job;
        expect(jobJsonText(subject)).toBe(expected);
        expect(jobJsonText(subject)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('pageJobJsonText answers JSON.stringify(PageJob.toDict(page)) for any page', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(jobArb, fc.boolean()), { maxLength: 6 }),
        fc.nat(1000),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.option(fc.oneof(fc.string(), fc.constant('"items":[]'), fc.constant('x"items":[]y')), {
          nil: null,
        }),
        (items, total, page, size, nextCursor) => {
          const value = {
            items: items.map(([job, frozen]) => (frozen ? deepFreeze(job) : job)),
            total,
            page,
            size,
            pages: Math.ceil(total / size),
            nextCursor,
          };
          expect(pageJobJsonText(value)).toBe(JSON.stringify(PageJob.toDict(value)));
        },
      ),
      { numRuns: 200 },
    );
  });
});

// Viewers of every kind the access rules tell apart: owner and not, administrator, another tenant, agents
// involved or not, and a stranger to everything.
const viewers: Record<string, TokenPrincipal> = {
  'u-1': { kind: 'user', id: 'u-1', tenantId: 't1' },
  'u-2': { kind: 'user', id: 'u-2', tenantId: 't1' },
  'u-3': { kind: 'user', id: 'u-3', tenantId: 't1' },
  'u-1-t2': { kind: 'user', id: 'u-1', tenantId: 't2' },
  admin: { kind: 'user', id: 'u-9', tenantId: 't1', roles: ['administrator'] },
  'admin-t2': { kind: 'user', id: 'u-9', tenantId: 't2', roles: ['administrator'] },
  'agent-1': { kind: 'agent', id: 'agent-1', tenantId: 't1', poolIds: ['pool-a'] },
  'agent-2': { kind: 'agent', id: 'agent-2', tenantId: 't1' },
  'agent-3': { kind: 'agent', id: 'agent-3', tenantId: 't1', poolIds: ['pool-a', 'pool-b'] },
  'agent-2-t2': { kind: 'agent', id: 'agent-2', tenantId: 't2', poolIds: ['pool-b'] },
};

const listings = [
  { query: 'size=5', input: { size: 5 } },
  { query: 'size=3&page=2&archive_status=all', input: { size: 3, page: 2, archiveStatus: 'all' as const } },
  { query: 'sort=created&size=100', input: { sort: 'created' as const, size: 100 } },
];

describe('GET /jobs/{id} and GET /jobs on SQLite answer the texts of the slow path', () => {
  const databases = tempDatabases();
  afterAll(() => databases.cleanup());

  it('for random jobs and viewers, also after changes by another ledger on the same file', async () => {
    const file = databases.file();
    const storeA = openStore(`sqlite:${file}`);
    const served = createJobLedger({ store: storeA });
    const other = createJobLedger({ store: openStore(`sqlite:${file}`) });
    const storeB = openStore(`sqlite:${file}`);
    const server = createHttpServer({ ledger: served, tokens: new Map(Object.entries(viewers)) });
    await server.app.ready();
    const raw = new Database(file, { readonly: true });
    const selectText = raw.prepare<[string], string>('SELECT state FROM job_states WHERE job_id = ?').pluck();
    const get = async (token: string, path: string) => {
      const r = await server.app.inject({
        method: 'GET',
        url: path,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      return { status: r.statusCode, text: r.body };
    };
    /** What GET /jobs/{id} answered before the cache: the row decoded, the access check, the codec's text. */
    const slowGet = (token: string, jobId: string) => {
      const text = selectText.get(jobId);
      const state = text === undefined ? undefined : decodeJobState(text);
      if (state === undefined || state.job === null || relationOf(viewers[token]!, state) === 'none') {
        const failure = httpErrorOf(JobError.notFound('job', jobId));
        return { status: failure.statusCode, text: JSON.stringify(failure.body) };
      }
      return { status: 200, text: JSON.stringify(Job.toDict(state.job)) };
    };
    const check = async (jobIds: readonly string[]) => {
      for (const token of Object.keys(viewers)) {
        for (const jobId of [...jobIds, 'no-such-job']) {
          expect(await get(token, `/jobs/${jobId}`), `${token} ${jobId}`).toEqual(slowGet(token, jobId));
        }
        for (const { query, input } of listings) {
          const page = await served.as(viewers[token]!).listJobs(input)();
          expect(page._tag).toBe('Right');
          if (page._tag !== 'Right') return;
          expect(await get(token, `/jobs?${query}`), `${token} ${query}`).toEqual({
            status: 200,
            text: JSON.stringify(PageJob.toDict(page.right)),
          });
        }
      }
    };
    let n = 0;
    const jobIds: string[] = [];
    try {
      await fc.assert(
        fc.asyncProperty(
          jobScenarioArb('j', 10),
          fc.constantFrom('t1', 't2'),
          fc.infiniteStream(fc.boolean()),
          async (scenario, tenantId, which) => {
            const jobId = `j-${n++}`;
            jobIds.push(jobId);
            const create = { ...scenario.create, jobId, tenantId } as never;
            const { events } = runScenario({ ...scenario, create });
            // The server's store or another on the same file appends; the server reads (and keeps) after each.
            await appendTakingTurns(jobId, events, { first: storeA, second: storeB }, which, () =>
              check([jobId]),
            );
          },
        ),
        { numRuns: 15 },
      );
      // A command through the other ledger (its own store object on the file) shows at once.
      const owner = other.as(viewers['u-1']!);
      const created = await owner.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
      if (created._tag !== 'Right') throw new Error(created.left.message);
      const last = created.right.id;
      jobIds.push(last);
      expect(await get('admin', `/jobs/${last}`)).toEqual(slowGet('admin', last));
      const commented = await owner.addComment(last, { content: 'from the other ledger' })();
      expect(commented._tag).toBe('Right');
      const after = await get('admin', `/jobs/${last}`);
      expect(after).toEqual(slowGet('admin', last));
      expect(after.text).toContain('from the other ledger');
      await check(jobIds);
    } finally {
      raw.close();
      await server.close();
      await served.close()();
      await other.close()();
      await storeB.close();
    }
  });
});
