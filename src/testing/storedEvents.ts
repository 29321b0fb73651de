import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sealEvents, emptyTip } from '../adapters/sealEvents.js';
import { currentSchemaVersion, type JobEvent } from '../domain/codecs/events.js';
import { actorOf } from '../domain/principal.js';
import { jobStreamId, type NewEvent, type StoredEvent } from '../domain/storedEvent.js';
import { jobScenarioArb, runScenario, type RecordedEvent } from './arbitraries.js';

/** Options of {@link toStoredEvents}. */
export interface ToStoredEventsOptions {
  /** Renames the job (its stream and `JobCreated.data.jobId`); default: the job id of its `JobCreated`. */
  readonly jobId?: string;
  /** Moves the job to this tenant (`JobCreated.data.tenantId`); default: as recorded. */
  readonly tenantId?: string;
  /** The global position of the first event (positions count up from it, as decimal strings); default 1. */
  readonly firstPosition?: number;
}

/** A uuid-shaped id derived from the stream and version, so the same stream always seals the same way. */
const deterministicEventId = (streamId: string, version: number): string => {
  const h = createHash('sha256').update(`${streamId}#${version}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const renamed = (event: JobEvent, jobId?: string, tenantId?: string): JobEvent =>
  event.type !== 'JobCreated'
    ? event
    : {
        type: 'JobCreated',
        data: {
          ...event.data,
          ...(jobId !== undefined && { jobId }),
          ...(tenantId !== undefined && { tenantId }),
        },
      };

/**
 * Turns {@link RecordedEvent}s (what `runScenario` and `validJobStreamArb` yield) into {@link StoredEvent}s as a
 * store would hold them: one stream `job-<jobId>`, versions from 0, the current schema version, `recordedAt` and
 * the actor from the recording, a deterministic uuid per event, and the sealed hash chain every adapter writes
 * (so `verify` passes). The result feeds `foldJobStream`, `createStreamVerifier`, the projections and your own.
 *
 * @example
 * import * as E from 'fp-ts/lib/Either.js';
 * import fc from 'fast-check';
 * import { foldJobStream } from 'jobledger';
 * import { toStoredEvents, validJobStreamArb } from 'jobledger/testing';
 *
 * fc.assert(fc.property(validJobStreamArb(), (recorded) => E.isRight(foldJobStream(toStoredEvents(recorded)))));
 */
export const toStoredEvents = (
  recorded: readonly RecordedEvent[],
  options: ToStoredEventsOptions = {},
): StoredEvent[] => {
  if (recorded.length === 0) return [];
  const created = recorded.find((r) => r.event.type === 'JobCreated')?.event;
  const jobId = options.jobId ?? (created?.type === 'JobCreated' ? created.data.jobId : undefined);
  if (jobId === undefined)
    throw new Error(
      'toStoredEvents: the events hold no JobCreated to take the job id from; pass { jobId } to name the stream',
    );
  const streamId = jobStreamId(jobId);
  const newEvents: NewEvent[] = recorded.map((r, i) => {
    const event = renamed(r.event, options.jobId, options.tenantId);
    return {
      eventId: deterministicEventId(streamId, i),
      type: event.type,
      schemaVersion: currentSchemaVersion[event.type],
      data: event.data,
      metadata: { recordedAt: r.at.toISOString(), actor: actorOf(r.by) },
    };
  });
  const first = options.firstPosition ?? 1;
  return sealEvents(streamId, emptyTip, newEvents, (i) => String(first + i));
};

/**
 * Valid job streams as a store holds them: `validJobStreamArb` through {@link toStoredEvents}. Every stream
 * starts with `JobCreated`, replays with `foldJobStream` and passes `verify`.
 *
 * @example
 * fc.assert(fc.property(storedJobStreamArb(), (events) => E.isRight(foldJobStream(events))));
 */
export const storedJobStreamArb = (
  jobId = 'job-under-test',
  maxSteps = 30,
): fc.Arbitrary<readonly StoredEvent[]> =>
  jobScenarioArb(jobId, maxSteps).map((s) => toStoredEvents(runScenario(s).events));

/** Options of {@link jobLogArb}. */
export interface JobLogOptions {
  /** At most this many jobs (at least one), named `j1`, `j2`, ... (streams `job-j1`, ...); default 4. */
  readonly jobs?: number;
  /** At most this many commands sent to each job after its creation; default 12. */
  readonly maxSteps?: number;
}

/**
 * A global log of several jobs, as `store.readAll()` would yield it: each job's stream is valid and in order,
 * the streams are interleaved in any order, and positions count 1, 2, 3, ... in log order. Each job is created
 * at its own time within the first hour of 2026-01-01 (so `recordedAt` is not monotone across jobs — a read
 * model must not depend on that). Use it to check that your projection equals a fold of the log.
 *
 * @example
 * fc.assert(fc.property(jobLogArb({ jobs: 3 }), (log) => {
 *   const byJob = replayLog(log).jobs; // fold per job
 *   expect(myProjection(log)).toEqual(expectedFrom(byJob));
 * }));
 */
export const jobLogArb = (options: JobLogOptions = {}): fc.Arbitrary<readonly StoredEvent[]> => {
  const maxJobs = Math.max(1, options.jobs ?? 4);
  const maxSteps = options.maxSteps ?? 12;
  const streams = fc
    .array(
      fc.record({
        scenario: jobScenarioArb('job', maxSteps),
        startSecond: fc.integer({ min: 0, max: 3600 }),
      }),
      { minLength: 1, maxLength: maxJobs },
    )
    .map((jobs) =>
      jobs.map(({ scenario, startSecond }, i) => {
        const named = { ...scenario, create: { ...scenario.create, jobId: `j${i + 1}` } };
        const startAt = new Date(Date.UTC(2026, 0, 1, 0, 0, startSecond));
        return toStoredEvents(runScenario(named, { startAt }).events);
      }),
    );
  // The interleaving: each pick takes the next event of one of the streams not yet used up; when the picks run
  // out, the rest follows stream by stream. Independent of the streams, so both shrink on their own (no chain).
  const picks = fc.array(fc.nat({ max: maxJobs - 1 }), { maxLength: maxJobs * (maxSteps + 2) });
  return fc.tuple(streams, picks).map(([perJob, order]) => {
    const next = perJob.map(() => 0);
    const log: StoredEvent[] = [];
    const take = (stream: number) => {
      log.push({ ...perJob[stream]![next[stream]!++]!, position: String(log.length + 1) });
    };
    for (const pick of order) {
      const open = perJob.flatMap((events, i) => (next[i]! < events.length ? [i] : []));
      if (open.length === 0) break;
      take(open[pick % open.length]!);
    }
    perJob.forEach((events, i) => {
      while (next[i]! < events.length) take(i);
    });
    return log;
  });
};
