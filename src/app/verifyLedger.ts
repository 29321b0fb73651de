import { Worker } from 'node:worker_threads';
import type * as E from 'fp-ts/lib/Either.js';
import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { BlobStore } from './BlobStore.js';
import { checkBlob } from './jobFiles.js';
import { eventPages, logPartitions, type LogPartitions } from '../domain/eventPages.js';
import { currentSchemaVersion, isJobEventType } from '../domain/codecs/events.js';
import { defaultUpcasters, type UpcasterRegistry } from '../domain/upcasters.js';
import type { VerifyProblem, VerifyReport } from '../domain/verifyStream.js';
import { createPartVerifier, mergeParts, type FileRef, type PartReport } from './verifyPart.js';
import {
  defaultVerifyPartThreads,
  defaultVerifyPartWorkerScript,
  defaultVerifyThreads,
  defaultVerifyWorkerScript,
  startVerifyThreads,
  type FromVerifyPart,
  type VerifyPartInput,
  type VerifyThreadPool,
} from './verifyThreads.js';

/** Progress of a verify run. */
export interface VerifyProgress {
  readonly events: number;
  readonly streams: number;
}

/** How `verifyLedger` spreads the work over threads. @internal */
export interface VerifyThreadOptions {
  /**
   * Worker threads beside this one; default `defaultVerifyPartThreads()` for a log other threads can read in
   * parts, `defaultVerifyThreads()` otherwise (0: this thread only).
   */
  readonly threads?: number;
  /** Events read before the threads start: a smaller log is verified on the reading thread alone; default 20,000. */
  readonly threadsAfter?: number;
  /** The worker script; default the compiled `verifyWorker.js` beside this module (none when run from source). */
  readonly workerScript?: URL;
  /** The script of a thread that reads its own part of the log; default the compiled `verifyPartWorker.js`. */
  readonly partWorkerScript?: URL;
  /** Told how many threads took part, once the report is made (for tests and the bench). */
  readonly onThreads?: (threads: number) => void;
}

/**
 * Reads the whole log once and checks every stream: versions without gaps and the hash chain everywhere, and
 * for job streams that each event decodes and each status change is an edge of the machine.
 *
 * Streams are independent, so a large log (`threadsAfter` events) is spread over worker threads and this one.
 * When the store lets other threads open its log and read a part of it themselves (a SQLite file), each thread
 * reads and verifies its own part (`verifyPartWorker.ts`). Otherwise this thread reads on and hands the job
 * streams that start after that point to a pool of threads (`verifyThreads.ts`); the streams met before stay
 * here (small logs never pay for starting threads). Either way the report is the same, problem for problem and
 * in the same order, as a verify on one thread (`mergeParts`).
 * @internal
 */
export const verifyLedger = async (
  store: EventStore,
  upcasters: UpcasterRegistry,
  onProgress?: (p: VerifyProgress) => void,
  files?: BlobStore,
  threadOptions: VerifyThreadOptions = {},
): Promise<VerifyReport> => {
  const threadsAfter = threadOptions.threadsAfter ?? 20_000;
  const log = store.readAll({ batchSize: 5000 });
  const partitions = logPartitions(log);
  const partScript = threadOptions.partWorkerScript ?? defaultVerifyPartWorkerScript();
  // Parts run the default upcasters in every thread: a registry of the caller's own (functions) stays here.
  if (partitions !== undefined && partScript !== undefined && upcasters === defaultUpcasters) {
    const threads = threadOptions.threads ?? defaultVerifyPartThreads();
    if (threads > 0 && partitions.approximateEvents() > threadsAfter) {
      const merged = await verifyInParts(partitions, threads, partScript, files !== undefined, onProgress);
      threadOptions.onThreads?.(threads);
      return await report(merged.problems, merged.streams, merged.events, merged.contents, files);
    }
  }

  const script = threadOptions.workerScript ?? defaultVerifyWorkerScript();
  const threads = script === undefined ? 0 : (threadOptions.threads ?? defaultVerifyThreads());
  let pool: VerifyThreadPool | undefined;
  let nextSlot = 0;
  let order = 0;
  const part = createPartVerifier(upcasters, files !== undefined, {
    assign() {
      if (pool === undefined && threads > 0 && order > threadsAfter)
        pool = startVerifyThreads(threads, script!);
      if (pool === undefined) return undefined;
      // With threads, this thread keeps one new stream in 2n + 1 (n threads): it reads and hands over the
      // events of the others, which costs it about half of verifying them.
      const slot = nextSlot;
      nextSlot = (nextSlot + 1) % (2 * pool.size + 1);
      return slot === 0 ? undefined : (slot - 1) % pool.size;
    },
    push: (lane, event) => pool!.push(lane, event, upcastFor(event, upcasters)),
  });
  try {
    for await (const page of eventPages(log, 5000))
      for (const event of page) {
        order++;
        const behind = part.push(event, order);
        if (behind !== undefined) await behind;
        if (onProgress !== undefined && order % 10_000 === 0)
          onProgress({ events: order, streams: part.streams });
      }
    const fromThreads = pool === undefined ? undefined : await pool.finish();
    threadOptions.onThreads?.(pool?.size ?? 0);
    const merged = mergeParts([part.report(fromThreads)]);
    return await report(merged.problems, merged.streams, merged.events, merged.contents, files);
  } finally {
    await pool?.close();
  }
};

/**
 * Verifies the log in `threads + 1` parts: this thread reads and verifies part 0, each worker thread opens the
 * log itself and verifies another part; the parts' reports are merged in log order.
 */
const verifyInParts = async (
  partitions: LogPartitions,
  threads: number,
  script: URL,
  collectFiles: boolean,
  onProgress: ((p: VerifyProgress) => void) | undefined,
): Promise<ReturnType<typeof mergeParts>> => {
  const count = threads + 1;
  const seen = Array.from({ length: threads }, () => ({ events: 0, streams: 0 }));
  const workers: Worker[] = [];
  const answers: Promise<PartReport>[] = [];
  for (let i = 0; i < threads; i++) {
    const data: VerifyPartInput = { url: partitions.url, count, index: i + 1, collectFiles };
    const worker = new Worker(script, { workerData: data });
    workers.push(worker);
    const answer = new Promise<PartReport>((resolve, reject) => {
      worker.on('message', (message: FromVerifyPart) => {
        if (message.kind === 'progress') seen[i] = message;
        else resolve(message.report);
      });
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`a verify thread stopped (exit code ${code}) before it answered`)),
      );
    });
    // Awaited below, after this thread's own part; a thread failing meanwhile is not an unhandled rejection.
    answer.catch(() => undefined);
    answers.push(answer);
  }
  try {
    const own = createPartVerifier(defaultUpcasters, collectFiles);
    for await (const page of partitions.read(count, 0)) {
      for (const event of page) own.push(event, Number(event.position));
      onProgress?.({
        events: seen.reduce((n, p) => n + p.events, own.events),
        streams: seen.reduce((n, p) => n + p.streams, own.streams),
      });
    }
    return mergeParts([own.report(), ...(await Promise.all(answers))]);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
};

/**
 * The upcast data of a job event below its type's current schema version, computed on the reading thread
 * (upcasters are functions: they do not cross to a worker thread); undefined for every other event.
 */
const upcastFor = (
  event: StoredEvent,
  upcasters: UpcasterRegistry,
): E.Either<string, unknown> | undefined => {
  const { type, schemaVersion } = event;
  if (!isJobEventType(type) || schemaVersion >= currentSchemaVersion[type]) return undefined;
  return upcasters.upcast(type, schemaVersion, event.data, currentSchemaVersion[type]);
};

/** The report: the log's problems, then those of the file contents the log refers to. */
const report = async (
  logProblems: readonly VerifyProblem[],
  streams: number,
  events: number,
  contents: ReadonlyMap<string, readonly FileRef[]>,
  files: BlobStore | undefined,
): Promise<VerifyReport> => {
  const fileProblems: VerifyProblem[] = [];
  if (files !== undefined) {
    for (const [sha256, refs] of contents) {
      const wrong = await checkBlob(files, sha256);
      if (wrong === undefined) continue;
      for (const ref of refs) {
        fileProblems.push({
          streamId: ref.streamId,
          version: ref.version,
          kind: wrong.kind,
          detail: `${ref.what}: ${wrong.detail}; restore the content from a backup`,
        });
      }
    }
  }
  const problems = [...logProblems, ...fileProblems];
  return { ok: problems.length === 0, streams, events, problems };
};
