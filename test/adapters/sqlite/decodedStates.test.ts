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
import type { StoredEvent } from '../../../src/domain/storedEvent.js';

/** Real state texts, each once: the jobs of a scenario of `steps` appends, each at several versions. */
const stateTexts = async (steps: number): Promise<string[]> => {
  const memory = memoryEventStore();
  const texts: string[] = [];
  for (const append of jobScenario(steps)) {
    await playScenario(memory, [append]);
    for (const { state } of (await memory.readModel.dump()).jobs) texts.push(encodeJobState(state));
  }
  await memory.close();
  return [...new Set(texts)];
};

describe('decodedStates: the decoding of a stored state, kept while the text stays the same', () => {
  it('answers exactly what decoding the text answers, for any order of reads and changes', async () => {
    const distinct = await stateTexts(12);
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

describe('decodedStates.atVersion: a state by version and state generation, without its text', () => {
  it('answers only a state decoded in that generation at that version, and the same object', async () => {
    const distinct = await stateTexts(8);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'c'),
            fc.nat(distinct.length - 1),
            fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
          ),
          { maxLength: 40 },
        ),
        fc.integer({ min: 0, max: 2 }),
        (reads, asked) => {
          const states = decodedStates(4);
          const last = new Map<string, { text: string; generation: number | undefined }>();
          for (const [jobId, i, generation] of reads) {
            states.decode(jobId, distinct[i]!, generation);
            const before = last.get(jobId);
            // A read of the same text in a known generation labels the kept state with it.
            last.set(jobId, {
              text: distinct[i]!,
              generation: before?.text === distinct[i] ? (generation ?? before?.generation) : generation,
            });
          }
          for (const [jobId, { text, generation }] of last) {
            const state = decodeJobState(text);
            const answer = states.atVersion(jobId, state.version, asked);
            // (Three jobs, room for four: nothing is evicted here.)
            if (generation !== asked) expect(answer).toBeUndefined();
            else expect(answer).toEqual(state);
            expect(states.atVersion(jobId, state.version + 1, asked)).toBeUndefined();
          }
        },
      ),
      { numRuns: 300 },
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

describe('SQLite listings decode by version and state generation', () => {
  const databases = tempDatabases();
  afterAll(() => databases.cleanup());
  const everything = { page: 1, size: 100, archiveStatus: 'all', sort: '-created' } as const;
  const system = { kind: 'system', id: 'system' } as const;

  it('a reset by another instance moves to the next generation: a state rewritten at the same version is read again', async () => {
    const file = databases.file();
    const a = sqliteEventStore({ file });
    const b = sqliteEventStore({ file });
    const raw = new Database(file);
    const generation = raw
      .prepare<[], number>("SELECT position FROM checkpoints WHERE name = 'state-generation'")
      .pluck();
    try {
      await playScenario(a, jobScenario(3));
      const listed = (await a.readModel.listJobs(everything, system)).items;
      expect(listed).toHaveLength(3);
      const job = listed[0]!;
      // Listed again, the states decoded before are answered (the same objects), without their texts: a text
      // changed behind the store's back at the same version, without a new generation, is not even read.
      const text = raw.prepare<[string], string>('SELECT state FROM job_states WHERE job_id = ?').pluck();
      const original = text.get(job.id)!;
      raw
        .prepare('UPDATE job_states SET state = ? WHERE job_id = ?')
        .run(original.replace(`"name":"${job.file.name}"`, '"name":"unseen.json"'), job.id);
      const again = (await a.readModel.listJobs(everything, system)).items;
      expect(again[0]).toBe(job);
      raw.prepare('UPDATE job_states SET state = ? WHERE job_id = ?').run(original, job.id);

      // A rewrite of the projection tables (what a rebuild by other code does): reset, project again, and the
      // job's state comes out different at the same version.
      const before = generation.get()!;
      await b.readModel.reset();
      expect(generation.get()).toBe(before + 1);
      const events: StoredEvent[] = [];
      for await (const e of b.readAll()) events.push(e);
      await b.readModel.apply(events);
      const rewritten = text.get(job.id)!.replace(`"name":"${job.file.name}"`, '"name":"rewritten.json"');
      expect(rewritten).not.toBe(text.get(job.id));
      raw.prepare('UPDATE job_states SET state = ? WHERE job_id = ?').run(rewritten, job.id);

      const after = (await a.readModel.listJobs(everything, system)).items.find((j) => j.id === job.id)!;
      expect(after.file.name).toBe('rewritten.json');
      expect(after).toEqual(decodeJobState(rewritten).job);
    } finally {
      raw.close();
      await a.close();
      await b.close();
    }
  });
});
