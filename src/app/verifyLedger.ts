import * as E from 'fp-ts/lib/Either.js';
import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { BlobStore } from './BlobStore.js';
import { checkBlob } from './jobFiles.js';
import { eventPages } from '../domain/eventPages.js';
import { currentSchemaVersion, isJobEventType } from '../domain/codecs/events.js';
import { decodeJobEvent } from '../domain/upcasters.js';
import { storedHashMatches } from '../domain/hashChain.js';
import type { UpcasterRegistry } from '../domain/upcasters.js';
import { createStreamVerifier, type VerifyProblem, type VerifyReport } from '../domain/verifyStream.js';
import {
  defaultVerifyThreads,
  defaultVerifyWorkerScript,
  startVerifyThreads,
  type VerifyThreadPool,
} from './verifyThreads.js';

/** Progress of a verify run. */
export interface VerifyProgress {
  readonly events: number;
  readonly streams: number;
}

/** How `verifyLedger` spreads the work over threads. @internal */
export interface VerifyThreadOptions {
  /** Worker threads beside the reading one; default `defaultVerifyThreads()` (0: the reading thread only). */
  readonly threads?: number;
  /** Events read before the threads start: a smaller log is verified on the reading thread alone; default 20,000. */
  readonly threadsAfter?: number;
  /** The worker script; default the compiled `verifyWorker.js` beside this module (none when run from source). */
  readonly workerScript?: URL;
  /** Told how many threads took part, once the report is made (for tests and the bench). */
  readonly onThreads?: (threads: number) => void;
}

/**
 * Reads the whole log once and checks every stream: versions without gaps and the hash chain everywhere, and
 * for job streams that each event decodes and each status change is an edge of the machine.
 *
 * Streams are independent, so once a log proves large (`threadsAfter` events), the job streams that start
 * after that point are spread over a pool of worker threads and this one while this thread reads on; the
 * streams met before stay here (small logs never pay for starting threads). The report is assembled here in the
 * order the streams first appear in the log, from the same per-stream verifier: it is the same, problem for
 * problem, as a verify on one thread.
 * @internal
 */
export const verifyLedger = async (
  store: EventStore,
  upcasters: UpcasterRegistry,
  onProgress?: (p: VerifyProgress) => void,
  files?: BlobStore,
  threadOptions: VerifyThreadOptions = {},
): Promise<VerifyReport> => {
  // Every stored file revision, by sha256: checked once each after the log, however many jobs share it.
  const contents = new Map<string, { streamId: string; version: number; what: string }[]>();
  // Each job stream, in the order of its first event: verified here, or by the thread of that number.
  const jobStreams = new Map<string, ReturnType<typeof createStreamVerifier> | number>();
  const otherStreams = new Map<string, { version: number; hash: string }>();
  const otherProblems: VerifyProblem[] = [];
  const script = threadOptions.workerScript ?? defaultVerifyWorkerScript();
  const threads = script === undefined ? 0 : (threadOptions.threads ?? defaultVerifyThreads());
  const threadsAfter = threadOptions.threadsAfter ?? 20_000;
  let pool: VerifyThreadPool | undefined;
  let nextSlot = 0;
  let events = 0;
  try {
    for await (const page of eventPages(store.readAll({ batchSize: 5000 }), 5000))
      for (const event of page) {
        events++;
        if (event.streamId.startsWith('job-')) {
          let verifier = jobStreams.get(event.streamId);
          if (verifier === undefined) {
            if (pool === undefined && threads > 0 && events > threadsAfter)
              pool = startVerifyThreads(threads, script!);
            // With threads, this thread keeps one new stream in 2n + 1 (n threads): it reads and hands over
            // the events of the others, which costs it about half of verifying them.
            const slot = pool === undefined ? 0 : nextSlot;
            if (pool !== undefined) nextSlot = (nextSlot + 1) % (2 * pool.size + 1);
            verifier = slot === 0 ? createStreamVerifier(event.streamId, upcasters) : (slot - 1) % pool!.size;
            jobStreams.set(event.streamId, verifier);
          }
          if (typeof verifier !== 'number') verifier.push(event);
          else {
            const behind = pool!.push(verifier, event, upcastFor(event, upcasters));
            if (behind !== undefined) await behind;
          }
          if (files !== undefined && (event.type === 'JobCreated' || event.type === 'JobFileRevisionAdded')) {
            const decoded = decodeJobEvent(event, upcasters);
            if (E.isRight(decoded)) {
              const e = decoded.right;
              const ref =
                e.type === 'JobCreated' && e.data.fileStored === true && e.data.file.sha256 !== undefined
                  ? { sha256: e.data.file.sha256, what: `file revision 1 (${e.data.file.name})` }
                  : e.type === 'JobFileRevisionAdded'
                    ? { sha256: e.data.sha256, what: `file revision ${e.data.revision} (${e.data.name})` }
                    : undefined;
              if (ref !== undefined) {
                const refs = contents.get(ref.sha256) ?? [];
                refs.push({ streamId: event.streamId, version: event.version, what: ref.what });
                contents.set(ref.sha256, refs);
              }
            }
          }
        } else {
          // Streams that are not jobs (other applications' events) only get the chain and version checks.
          const tip = otherStreams.get(event.streamId) ?? { version: -1, hash: '' };
          const problem = (kind: VerifyProblem['kind'], detail: string) =>
            otherProblems.push({ streamId: event.streamId, version: event.version, kind, detail });
          if (event.version !== tip.version + 1)
            problem('version-gap', `expected version ${tip.version + 1}, found ${event.version}`);
          if (event.metadata.prevHash !== tip.hash || !storedHashMatches(event))
            problem('hash-mismatch', 'the hash chain is broken here');
          otherStreams.set(event.streamId, { version: event.version, hash: event.metadata.hash });
        }
        if (onProgress !== undefined && events % 10_000 === 0)
          onProgress({ events, streams: jobStreams.size + otherStreams.size });
      }

    const fromThreads =
      pool === undefined ? new Map<string, readonly VerifyProblem[]>() : await pool.finish();
    threadOptions.onThreads?.(pool?.size ?? 0);
    return await report(
      [
        ...otherProblems,
        ...[...jobStreams].flatMap(([streamId, verifier]) =>
          typeof verifier === 'number' ? (fromThreads.get(streamId) ?? []) : verifier.finish(),
        ),
      ],
      jobStreams.size + otherStreams.size,
      events,
      contents,
      files,
    );
  } finally {
    await pool?.close();
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
  contents: ReadonlyMap<string, readonly { streamId: string; version: number; what: string }[]>,
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
