import * as E from 'fp-ts/lib/Either.js';
import { initialJobState, type JobState } from '../domain/jobState.js';
import { applyStoredEvent } from '../domain/replay.js';
import { jobIdOfStream, type StoredEvent } from '../domain/storedEvent.js';
import { defaultUpcasters, type UpcasterRegistry } from '../domain/upcasters.js';
import { createStreamVerifier, type VerifyProblemKind } from '../domain/verifyStream.js';

/** Options of {@link replayLog}. */
export interface ReplayLogOptions {
  /** Upcasters for events written with older schema versions (the migration under test); default: jobledger's. */
  readonly upcasters?: UpcasterRegistry;
  /**
   * Whether a broken hash chain stops the replay (default true). Turn it off for logs you rewrote on purpose,
   * e.g. to test an upcaster on hand-edited old events.
   */
  readonly checkHashes?: boolean;
}

/** The first event of a log that does not replay, and why. */
export interface ReplayFailure {
  /** Its global position in the log (as the store gave it). */
  readonly position: string;
  /** Its index in the sequence given to `replayLog` (0-based). */
  readonly index: number;
  readonly streamId: string;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly kind: VerifyProblemKind;
  readonly detail: string;
}

/** What {@link replayLog} found: every job's state (up to the failure, if any). */
export interface ReplayedLog {
  /** True when every event replayed. */
  readonly ok: boolean;
  /** Each job's state after its events, by job id. With a failure: the states just before it. */
  readonly jobs: ReadonlyMap<string, JobState>;
  /** How many job events replayed (before the failure, if any). */
  readonly replayed: number;
  /** Events of streams that are not job streams (not `job-<id>`), passed over. */
  readonly skipped: number;
  readonly failure?: ReplayFailure;
}

const replayer = (options: ReplayLogOptions) => {
  const upcasters = options.upcasters ?? defaultUpcasters;
  const checkHashes = options.checkHashes ?? true;
  const verifiers = new Map<string, ReturnType<typeof createStreamVerifier>>();
  const jobs = new Map<string, JobState>();
  let replayed = 0;
  let skipped = 0;
  let index = 0;
  let failure: ReplayFailure | undefined;
  const fail = (event: StoredEvent, kind: VerifyProblemKind, detail: string) => {
    failure = {
      position: event.position,
      index,
      streamId: event.streamId,
      version: event.version,
      eventId: event.eventId,
      type: event.type,
      kind,
      detail,
    };
  };
  return {
    /** Replays one event; false once the log stopped replaying. */
    push(event: StoredEvent): boolean {
      const jobId = jobIdOfStream(event.streamId);
      if (jobId === undefined) {
        skipped++;
        index++;
        return true;
      }
      let verifier = verifiers.get(event.streamId);
      if (verifier === undefined) {
        verifier = createStreamVerifier(event.streamId, upcasters);
        verifiers.set(event.streamId, verifier);
      }
      const before = verifier.finish().length;
      verifier.push(event);
      const problem = verifier
        .finish()
        .slice(before)
        .find((p) => checkHashes || p.kind !== 'hash-mismatch');
      if (problem !== undefined) {
        fail(event, problem.kind, problem.detail);
        return false;
      }
      const next = applyStoredEvent(jobs.get(jobId) ?? initialJobState, event, upcasters);
      if (E.isLeft(next)) {
        fail(event, 'decode-failure', next.left.message);
        return false;
      }
      jobs.set(jobId, next.right);
      replayed++;
      index++;
      return true;
    },
    result(): ReplayedLog {
      return { ok: failure === undefined, jobs, replayed, skipped, ...(failure && { failure }) };
    },
  };
};

const isAsync = (events: unknown): events is AsyncIterable<StoredEvent> =>
  typeof (events as AsyncIterable<StoredEvent>)[Symbol.asyncIterator] === 'function';

/**
 * Replays a whole log (any number of job streams, in log order) the way the ledger would read it: each event
 * upcast and decoded, each stream's versions without gaps, its hash chain intact and each status change an edge
 * of the machine. Stops at the first event that does not replay and says which (by position) and why.
 * Synchronous for an array; give it `store.readAll()` and it returns a Promise.
 *
 * For audit work: export a real log (`jobledger copy --to sqlite:./audit.db`), then property-test your
 * migration or upcaster against it.
 *
 * @example
 * const store = openStore('sqlite:./audit.db');
 * const replay = await replayLog(store.readAll(), { upcasters: myUpcasters });
 * expect(replay.failure).toBeUndefined();
 * expect(replay.jobs.get('job-42')?.status).toBe('Completed');
 */
export function replayLog(events: Iterable<StoredEvent>, options?: ReplayLogOptions): ReplayedLog;
export function replayLog(
  events: AsyncIterable<StoredEvent>,
  options?: ReplayLogOptions,
): Promise<ReplayedLog>;
export function replayLog(
  events: Iterable<StoredEvent> | AsyncIterable<StoredEvent>,
  options: ReplayLogOptions = {},
): ReplayedLog | Promise<ReplayedLog> {
  const r = replayer(options);
  if (isAsync(events)) {
    return (async () => {
      for await (const event of events) if (!r.push(event)) break;
      return r.result();
    })();
  }
  for (const event of events) if (!r.push(event)) break;
  return r.result();
}
