import * as E from 'fp-ts/lib/Either.js';
import { storedHashMatches } from '../domain/hashChain.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import { decodeJobEvent, type UpcasterRegistry } from '../domain/upcasters.js';
import { createStreamVerifier, type VerifyProblem } from '../domain/verifyStream.js';

/** A file content a job event refers to, and where (`order`: the event's place in the log). @internal */
export interface FileRef {
  readonly order: number;
  readonly streamId: string;
  readonly version: number;
  readonly what: string;
}

/**
 * What verifying a part of the log found (a whole log is one part). `order` numbers place events in the log:
 * the position for a log read in parts by several threads, the running count otherwise. @internal
 */
export interface PartReport {
  readonly events: number;
  readonly streams: number;
  /** The problems of streams that are not jobs, each with its event's order. */
  readonly otherProblems: readonly (readonly [number, VerifyProblem])[];
  /** The problems of each job stream that has some, with the order of the stream's first event. */
  readonly jobProblems: readonly (readonly [number, readonly VerifyProblem[]])[];
  /** The file contents the part's job events refer to, by sha256. */
  readonly contents: ReadonlyMap<string, readonly FileRef[]>;
}

/**
 * Where a job stream's events go instead of being verified here (verify's threads fed by the reading thread):
 * `assign` answers a lane for a new stream or undefined to keep it here, `push` queues an event for a lane and
 * answers a promise when the reader must wait. The problems of handed-over streams come back to `report`.
 * @internal
 */
export interface HandOff {
  assign(streamId: string): number | undefined;
  push(lane: number, event: StoredEvent): Promise<void> | undefined;
}

/**
 * Verifies the events of one part of the log as they come, in log order: versions without gaps and the hash
 * chain everywhere, and for job streams that each event decodes and each status change is an edge of the
 * machine (one `createStreamVerifier` per stream). @internal
 */
export const createPartVerifier = (upcasters: UpcasterRegistry, collectFiles: boolean, handOff?: HandOff) => {
  // Each job stream, in the order of its first event: verified here, or by the lane of that number.
  const jobStreams = new Map<
    string,
    { readonly order: number; readonly verifier: ReturnType<typeof createStreamVerifier> | number }
  >();
  const otherStreams = new Map<string, { version: number; hash: string }>();
  const otherProblems: (readonly [number, VerifyProblem])[] = [];
  const contents = new Map<string, FileRef[]>();
  let events = 0;

  const collect = (event: StoredEvent, order: number): void => {
    const decoded = decodeJobEvent(event, upcasters);
    if (E.isLeft(decoded)) return;
    const e = decoded.right;
    const ref =
      e.type === 'JobCreated' && e.data.fileStored === true && e.data.file.sha256 !== undefined
        ? { sha256: e.data.file.sha256, what: `file revision 1 (${e.data.file.name})` }
        : e.type === 'JobFileRevisionAdded'
          ? { sha256: e.data.sha256, what: `file revision ${e.data.revision} (${e.data.name})` }
          : undefined;
    if (ref === undefined) return;
    const refs = contents.get(ref.sha256) ?? [];
    refs.push({ order, streamId: event.streamId, version: event.version, what: ref.what });
    contents.set(ref.sha256, refs);
  };

  return {
    get events(): number {
      return events;
    },
    get streams(): number {
      return jobStreams.size + otherStreams.size;
    },
    /** Verifies `event`, the log's event number `order`; a promise when a lane is behind (wait for it). */
    push(event: StoredEvent, order: number): Promise<void> | undefined {
      events++;
      let behind: Promise<void> | undefined;
      if (event.streamId.startsWith('job-')) {
        let stream = jobStreams.get(event.streamId);
        if (stream === undefined) {
          const lane = handOff?.assign(event.streamId);
          stream = { order, verifier: lane ?? createStreamVerifier(event.streamId, upcasters) };
          jobStreams.set(event.streamId, stream);
        }
        if (typeof stream.verifier !== 'number') stream.verifier.push(event);
        else behind = handOff!.push(stream.verifier, event);
        if (collectFiles && (event.type === 'JobCreated' || event.type === 'JobFileRevisionAdded'))
          collect(event, order);
      } else {
        // Streams that are not jobs (other applications' events) only get the chain and version checks.
        const tip = otherStreams.get(event.streamId) ?? { version: -1, hash: '' };
        const problem = (kind: VerifyProblem['kind'], detail: string) =>
          otherProblems.push([order, { streamId: event.streamId, version: event.version, kind, detail }]);
        if (event.version !== tip.version + 1)
          problem('version-gap', `expected version ${tip.version + 1}, found ${event.version}`);
        if (event.metadata.prevHash !== tip.hash || !storedHashMatches(event))
          problem('hash-mismatch', 'the hash chain is broken here');
        otherStreams.set(event.streamId, { version: event.version, hash: event.metadata.hash });
      }
      return behind;
    },
    /** What the part holds; `handedOver`: the problems of the streams verified elsewhere, by stream id. */
    report(handedOver?: ReadonlyMap<string, readonly VerifyProblem[]>): PartReport {
      const jobProblems: (readonly [number, readonly VerifyProblem[]])[] = [];
      for (const [streamId, { order, verifier }] of jobStreams) {
        const problems = typeof verifier === 'number' ? (handedOver?.get(streamId) ?? []) : verifier.finish();
        if (problems.length > 0) jobProblems.push([order, problems]);
      }
      return {
        events,
        streams: jobStreams.size + otherStreams.size,
        otherProblems,
        jobProblems,
        contents,
      };
    },
  };
};

/**
 * One report of the parts of a log (each part holds whole streams): the problems of other streams in log order,
 * then those of job streams in the order the streams first appear, and the file contents in the order they are
 * first referred to, each with its references in log order. The same as the report of the log read as one part.
 * @internal
 */
export const mergeParts = (
  parts: readonly PartReport[],
): {
  events: number;
  streams: number;
  problems: VerifyProblem[];
  contents: Map<string, FileRef[]>;
} => {
  const byOrder = <T>(items: (readonly [number, T])[]): T[] =>
    items.sort((a, b) => a[0] - b[0]).map(([, item]) => item);
  const contents = new Map<string, FileRef[]>();
  for (const [sha256, refs] of [...parts.flatMap((p) => [...p.contents])].sort(
    (a, b) => a[1][0]!.order - b[1][0]!.order,
  ))
    contents.set(sha256, [...(contents.get(sha256) ?? []), ...refs]);
  for (const refs of contents.values()) refs.sort((a, b) => a.order - b.order);
  return {
    events: parts.reduce((n, p) => n + p.events, 0),
    streams: parts.reduce((n, p) => n + p.streams, 0),
    problems: [
      ...byOrder(parts.flatMap((p) => [...p.otherProblems])),
      ...byOrder(parts.flatMap((p) => [...p.jobProblems])).flat(),
    ],
    contents,
  };
};
