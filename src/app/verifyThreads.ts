import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as E from 'fp-ts/lib/Either.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { VerifyProblem } from '../domain/verifyStream.js';
import type { PartReport } from './verifyPart.js';

/** What the reading thread sends a verify thread. @internal */
export type ToVerifyThread =
  | {
      readonly kind: 'events';
      readonly events: readonly StoredEvent[];
      /** The upcast data of the events (by index in `events`) below their type's current schema version. */
      readonly upcasts: ReadonlyMap<number, E.Either<string, unknown>> | undefined;
    }
  | { readonly kind: 'finish' };

/** What a verify thread answers. @internal */
export type FromVerifyThread =
  | { readonly kind: 'ack' }
  | { readonly kind: 'problems'; readonly problems: readonly [string, readonly VerifyProblem[]][] };

/** Events per message to a thread, and messages a thread may have unanswered before the reader waits. */
const batchSize = 1000;
const maxInFlight = 4;

/**
 * The compiled worker script beside this module (`dist/app/verifyWorker.js`), or undefined when this module
 * runs from its TypeScript source (tests under vitest), where no worker script exists.
 */
export const defaultVerifyWorkerScript = (): URL | undefined => {
  const url = new URL('./verifyWorker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
};

/** What a thread that verifies its own part of the log is started with. @internal */
export interface VerifyPartInput {
  /** Opens the log (`openStore`). */
  readonly url: string;
  readonly count: number;
  readonly index: number;
  /** Whether to gather the file contents the job events refer to. */
  readonly collectFiles: boolean;
}

/** What a thread that verifies its own part of the log answers: progress now and then, then its report. */
export type FromVerifyPart =
  | { readonly kind: 'progress'; readonly events: number; readonly streams: number }
  | { readonly kind: 'report'; readonly report: PartReport };

/** The compiled `verifyPartWorker.js` beside this module, or undefined when run from the TypeScript source. */
export const defaultVerifyPartWorkerScript = (): URL | undefined => {
  const url = new URL('./verifyPartWorker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
};

/**
 * Threads beside this one for a log that each thread reads a part of itself: the cores but this one's. Nothing
 * is handed from thread to thread, so a second core pays from two cores on (one verify of a 1M-event SQLite
 * log: see bench/README.md, "Round three").
 */
export const defaultVerifyPartThreads = (cores: number = os.availableParallelism()): number =>
  Math.max(0, cores - 1);

/**
 * Threads that verify beside the one reading the log: the cores but the reader's own, from four cores on. On two
 * cores one thread beside the reader gained no wall time (192,000 events: 10.8 vs 10.9 µs an event) for 40% more
 * CPU (handing an event over costs both sides half of verifying it), so smaller machines verify on one thread.
 */
export const defaultVerifyThreads = (cores: number = os.availableParallelism()): number =>
  cores >= 4 ? cores - 1 : 0;

/**
 * A pool of worker threads that verify job streams. The caller assigns each stream to one thread (all its
 * events go there, in order); `finish` answers the problems of every stream by stream id.
 * @internal
 */
export interface VerifyThreadPool {
  readonly size: number;
  /**
   * Queues an event for thread `thread`. Answers a promise only when that thread is too far behind (wait for it
   * before pushing more), undefined otherwise: no promise per event.
   */
  push(
    thread: number,
    event: StoredEvent,
    upcast: E.Either<string, unknown> | undefined,
  ): Promise<void> | undefined;
  /** Sends what is queued, waits for every thread, and answers the problems found, by stream id. */
  finish(): Promise<Map<string, readonly VerifyProblem[]>>;
  /** Stops the threads (after `finish`, or on a failure). */
  close(): Promise<void>;
}

interface Lane {
  readonly worker: Worker;
  events: StoredEvent[];
  upcasts: Map<number, E.Either<string, unknown>> | undefined;
  inFlight: number;
  wakeReader: (() => void) | undefined;
  problems: ((found: FromVerifyThread & { kind: 'problems' }) => void) | undefined;
}

/** Starts `size` verify threads running `script`. @internal */
export const startVerifyThreads = (size: number, script: URL): VerifyThreadPool => {
  let failure: Error | undefined;
  const lanes: Lane[] = [];
  const fail = (error: Error) => {
    failure ??= error;
    for (const lane of lanes) {
      lane.wakeReader?.();
      lane.wakeReader = undefined;
    }
  };
  for (let i = 0; i < size; i++) {
    const lane: Lane = {
      worker: new Worker(script),
      events: [],
      upcasts: undefined,
      inFlight: 0,
      wakeReader: undefined,
      problems: undefined,
    };
    lane.worker.on('message', (message: FromVerifyThread) => {
      if (message.kind === 'ack') {
        lane.inFlight--;
        lane.wakeReader?.();
        lane.wakeReader = undefined;
      } else {
        lane.problems?.(message);
      }
    });
    lane.worker.on('error', fail);
    lane.worker.on('exit', (code) => {
      if (lane.problems !== undefined || lane.inFlight > 0)
        fail(new Error(`a verify thread stopped (exit code ${code}) before it answered`));
    });
    lanes.push(lane);
  }
  const send = (lane: Lane) => {
    if (lane.events.length === 0) return;
    const message: ToVerifyThread = { kind: 'events', events: lane.events, upcasts: lane.upcasts };
    lane.worker.postMessage(message);
    lane.inFlight++;
    lane.events = [];
    lane.upcasts = undefined;
  };
  const catchUp = async (lane: Lane): Promise<void> => {
    while (lane.inFlight >= maxInFlight && failure === undefined)
      await new Promise<void>((resolve) => (lane.wakeReader = resolve));
    if (failure !== undefined) throw failure;
  };
  return {
    size,
    push(thread, event, upcast) {
      if (failure !== undefined) throw failure;
      const lane = lanes[thread]!;
      if (upcast !== undefined) (lane.upcasts ??= new Map()).set(lane.events.length, upcast);
      lane.events.push(event);
      if (lane.events.length < batchSize) return undefined;
      send(lane);
      return lane.inFlight < maxInFlight ? undefined : catchUp(lane);
    },
    async finish() {
      if (failure !== undefined) throw failure;
      const answers = lanes.map(
        (lane) =>
          new Promise<FromVerifyThread & { kind: 'problems' }>((resolve, reject) => {
            lane.problems = resolve;
            lane.worker.once('error', reject);
            lane.worker.once('exit', (code) =>
              reject(new Error(`a verify thread stopped (exit code ${code}) before it answered`)),
            );
            send(lane);
            const finish: ToVerifyThread = { kind: 'finish' };
            lane.worker.postMessage(finish);
          }),
      );
      const byStream = new Map<string, readonly VerifyProblem[]>();
      for (const answer of await Promise.all(answers))
        for (const [streamId, problems] of answer.problems) byStream.set(streamId, problems);
      for (const lane of lanes) lane.problems = undefined;
      return byStream;
    },
    async close() {
      for (const lane of lanes) lane.problems = undefined;
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
    },
  };
};
