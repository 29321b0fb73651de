import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { decodedStates } from '../../../src/adapters/sqlite/decodedStates.js';
import { decodeJobState, encodeJobState } from '../../../src/adapters/sqlite/jobStateJson.js';
import { sqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import { jobScenarioArb, runScenario } from '../../../src/testing/arbitraries.js';
import { appendTakingTurns } from '../../support/appendTakingTurns.js';
import { expectReadsFresh } from '../../support/readsFresh.js';
import { jobScenario, playScenario } from './jobScenario.js';
import { tempDatabases } from './tempDatabase.js';

describe('decodedStates: the decoding of a stored state, kept while the text stays the same', () => {
  it('answers exactly what decoding the text answers, for any order of reads and changes', async () => {
    // Real state texts: the scenario's jobs, each at several versions.
    const memory = memoryEventStore();
    const texts: string[] = [];
    const appends = jobScenario(12);
    for (const append of appends) {
      await playScenario(memory, [append]);
      for (const { state } of (await memory.readModel.dump()).jobs) texts.push(encodeJobState(state));
    }
    await memory.close();
    const distinct = [...new Set(texts)];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.nat(distinct.length - 1)), {
          maxLength: 60,
        }),
        (limit, reads) => {
          const states = decodedStates(limit);
          let last: { jobId: string; text: string; state: unknown } | undefined;
          for (const [jobId, i] of reads) {
            const text = distinct[i]!;
            const state = states.decode(jobId, text);
            expect(state).toEqual(decodeJobState(text));
            expect(Object.isFrozen(state) && Object.isFrozen(state.job)).toBe(true);
            // The same job and text read again right after gives the same object (decoded once).
            if (limit > 0 && last?.jobId === jobId && last.text === text) expect(state).toBe(last.state);
            last = { jobId, text, state };
            expect(states.size).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the SQLite read model keeps decoded states and is never stale', () => {
  const databases = tempDatabases();
  afterAll(() => databases.cleanup());

  it('answers what the rows hold after changes by another instance on the same file', async () => {
    const file = databases.file();
    const a = sqliteEventStore({ file });
    const b = sqliteEventStore({ file });
    const raw = new Database(file, { readonly: true });
    const selectText = raw.prepare<[string], string>('SELECT state FROM job_states WHERE job_id = ?').pluck();
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          jobScenarioArb('job', 12),
          fc.infiniteStream(fc.boolean()),
          async (scenario, which) => {
            const jobId = `job-${n++}`;
            const { events } = runScenario({ ...scenario, create: { ...scenario.create, jobId } as never });
            const check = async () => {
              const text = selectText.get(jobId);
              await expectReadsFresh([a.readModel, b.readModel], jobId, text);
            };
            await appendTakingTurns(jobId, events, { first: a, second: b }, which, check);
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      raw.close();
      await a.close();
      await b.close();
    }
  });
});
