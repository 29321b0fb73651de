import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamVerifier, foldJobStream, hashMatches } from '../../src/index.js';
import {
  jobLogArb,
  jobScenarioArb,
  runScenario,
  storedJobStreamArb,
  toStoredEvents,
  validJobStreamArb,
} from '../../src/testing.js';

describe('toStoredEvents', () => {
  it('the first natural try works: every valid stream folds to the state the decider reached', () => {
    fc.assert(
      fc.property(jobScenarioArb('j-1', 20), (scenario) => {
        const model = runScenario(scenario);
        const folded = foldJobStream(toStoredEvents(model.events));
        expect(E.isRight(folded) && folded.right).toEqual(model.state);
      }),
      { numRuns: 60 },
    );
  });

  it('seals as a store does: verify finds no problem, hashes match, versions and positions count up', () => {
    fc.assert(
      fc.property(storedJobStreamArb('j-2', 20), (events) => {
        const verifier = createStreamVerifier('job-j-2');
        events.forEach((e) => verifier.push(e));
        expect(verifier.finish()).toEqual([]);
        expect(events.every(hashMatches)).toBe(true);
        expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i));
        expect(events.map((e) => e.position)).toEqual(events.map((_, i) => String(i + 1)));
      }),
      { numRuns: 40 },
    );
  });

  it('renames the job and its tenant, and is deterministic', () => {
    const [recorded] = fc.sample(validJobStreamArb('original'), { numRuns: 1, seed: 7 });
    const a = toStoredEvents(recorded!, { jobId: 'renamed', tenantId: 't9', firstPosition: 10 });
    expect(a[0]).toMatchObject({
      streamId: 'job-renamed',
      position: '10',
      data: { jobId: 'renamed', tenantId: 't9' },
    });
    expect(toStoredEvents(recorded!, { jobId: 'renamed', tenantId: 't9', firstPosition: 10 })).toEqual(a);
    const folded = foldJobStream(a);
    expect(E.isRight(folded) && folded.right.job?.tenantId).toBe('t9');
  });

  it('refuses events without a JobCreated unless told the job id', () => {
    const [recorded] = fc.sample(validJobStreamArb('x'), { numRuns: 1, seed: 3 });
    expect(() => toStoredEvents(recorded!.slice(1))).toThrow(/pass \{ jobId \}/);
    expect(toStoredEvents(recorded!.slice(1), { jobId: 'x' })[0]?.streamId).toBe('job-x');
  });
});

describe('jobLogArb', () => {
  it('interleaves whole valid streams with global positions 1..n', () => {
    fc.assert(
      fc.property(jobLogArb({ jobs: 3, maxSteps: 8 }), (log) => {
        expect(log.map((e) => e.position)).toEqual(log.map((_, i) => String(i + 1)));
        const streams = new Map<string, typeof log>();
        for (const e of log) streams.set(e.streamId, [...(streams.get(e.streamId) ?? []), e]);
        expect(streams.size).toBeGreaterThanOrEqual(1);
        expect(streams.size).toBeLessThanOrEqual(3);
        for (const [streamId, events] of streams) {
          expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i));
          const verifier = createStreamVerifier(streamId);
          events.forEach((e) => verifier.push(e));
          expect(verifier.finish()).toEqual([]);
        }
        // Ids are unique across jobs, so one read model can hold them all.
        const statusIds = log.flatMap((e) =>
          e.type === 'JobStatusChanged' ? [(e.data as { statusId: string }).statusId] : [],
        );
        expect(new Set(statusIds).size).toBe(statusIds.length);
      }),
      { numRuns: 40 },
    );
  });
});
