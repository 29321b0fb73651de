import { Readable } from 'node:stream';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendStreamState,
  type JSONEventData,
} from '@kurrent/kurrentdb-client';
import type { KurrentClientPort } from '../../../src/adapters/kurrentdb/kurrentdbEventStore.js';

/**
 * A stand-in for the KurrentDB client at the store's client boundary, for what no server here can show (no
 * container engine): a lost answer, a leader change, an old server. It keeps streams in memory as a server would
 * (revisions, `$all` positions, the expected-revision check) and lets a test script what each append does.
 * Everything else runs for real: the store's sealing, event mapping, retries and checks.
 */

interface Recorded {
  readonly streamId: string;
  readonly id: string;
  readonly type: string;
  readonly revision: bigint;
  readonly isJson: true;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly position: { readonly commit: bigint; readonly prepare: bigint };
  readonly created: Date;
}

/** One append as the store sent it. */
export interface AppendCall {
  readonly streamId: string;
  readonly ids: readonly string[];
  readonly streamState: AppendStreamState;
}

/**
 * What an append does: be written (and answered, or not), fail before it is written, answer a conflict as a
 * value (a client with throwOnAppendFailure=false), or miss the idempotent-write check (the server no longer
 * remembers the events, so the same request again is a conflict).
 */
export type AppendScript =
  | 'ok'
  | { readonly writeThenThrow: Error }
  | { readonly throw: Error }
  | 'conflict-as-value'
  | 'no-idempotence';

export const fakeKurrentClient = (options: { readonly positions?: 'none' } = {}) => {
  const streams = new Map<string, Recorded[]>();
  const all: Recorded[] = [];
  const appends: AppendCall[] = [];
  const reads: {
    readonly streamId: string;
    readonly backwards: boolean;
    readonly requiresLeader: boolean;
  }[] = [];
  const scripts: AppendScript[] = [];
  let subscribeOptions: unknown;
  let next = 1000n;

  const write = (streamId: string, events: readonly JSONEventData[]): Recorded[] => {
    const stream = streams.get(streamId) ?? [];
    const written = events.map((e, i) => {
      next += 100n;
      const position =
        options.positions === 'none'
          ? { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n }
          : { commit: next, prepare: next };
      return {
        streamId,
        id: e.id!,
        type: e.type,
        revision: BigInt(stream.length + i),
        isJson: true as const,
        data: e.data,
        metadata: e.metadata,
        position,
        created: new Date(),
      };
    });
    stream.push(...written);
    streams.set(streamId, stream);
    all.push(...written);
    return written;
  };

  const client = {
    async appendToStream(
      streamId: string,
      events: JSONEventData | JSONEventData[],
      appendOptions: { streamState?: AppendStreamState } = {},
    ) {
      const list = Array.isArray(events) ? events : [events];
      const streamState = appendOptions.streamState ?? 'any';
      appends.push({ streamId, ids: list.map((e) => e.id!), streamState });
      const script = scripts.shift() ?? 'ok';
      if (typeof script === 'object' && 'throw' in script) throw script.throw;
      const stream = streams.get(streamId) ?? [];
      const current = stream.length === 0 ? 'no_stream' : BigInt(stream.length - 1);
      // The server's idempotent-write check: the same events again at the same revision are a success.
      const expectedNext =
        streamState === 'no_stream'
          ? 0
          : typeof streamState === 'bigint'
            ? Number(streamState) + 1
            : undefined;
      const again =
        expectedNext !== undefined &&
        list.every((e, i) => stream[expectedNext + i]?.id === e.id) &&
        stream.length === expectedNext + list.length;
      if (again && script !== 'no-idempotence') {
        const last = stream[stream.length - 1]!;
        return { success: true, nextExpectedRevision: last.revision, position: last.position };
      }
      const fits =
        streamState === 'any' ||
        (streamState === 'no_stream' && current === 'no_stream') ||
        (streamState === 'stream_exists' && current !== 'no_stream') ||
        streamState === current;
      if (!fits) {
        if (script === 'conflict-as-value')
          return {
            success: false,
            nextExpectedRevision: current === 'no_stream' ? -1n : current,
            position: undefined,
          };
        throw new WrongExpectedVersionError(undefined, {
          streamName: streamId,
          expected: streamState,
          current,
        });
      }
      const written = write(streamId, list);
      if (typeof script === 'object' && 'writeThenThrow' in script) throw script.writeThenThrow;
      const last = written[written.length - 1]!;
      return { success: true, nextExpectedRevision: last.revision, position: last.position };
    },
    readStream(
      streamId: string,
      readOptions: {
        direction?: string;
        fromRevision?: bigint | string;
        maxCount?: number | bigint;
        requiresLeader?: boolean;
      } = {},
    ) {
      const backwards = readOptions.direction === 'backwards';
      reads.push({ streamId, backwards, requiresLeader: readOptions.requiresLeader === true });
      return (async function* () {
        const stream = streams.get(streamId);
        if (stream === undefined) throw new StreamNotFoundError(undefined, streamId);
        const max = Number(readOptions.maxCount ?? Number.MAX_SAFE_INTEGER);
        const picked = backwards
          ? stream.slice().reverse().slice(0, max)
          : stream
              .slice(typeof readOptions.fromRevision === 'bigint' ? Number(readOptions.fromRevision) : 0)
              .slice(0, max);
        for (const event of picked) yield { event };
      })();
    },
    readAll(readOptions: { direction?: string; maxCount?: number | bigint } = {}) {
      return (async function* () {
        const max = Number(readOptions.maxCount ?? Number.MAX_SAFE_INTEGER);
        const picked = readOptions.direction === 'backwards' ? all.slice().reverse() : all;
        for (const event of picked.slice(0, max)) yield { event, commitPosition: event.position.commit };
      })();
    },
    subscribeToAll(subscribe: unknown) {
      subscribeOptions = subscribe;
      const stream = new Readable({ objectMode: true, read() {} });
      return Object.assign(stream, { unsubscribe: async () => void stream.destroy() });
    },
    async dispose() {},
  };

  return {
    client: client as unknown as KurrentClientPort,
    /** Scripts the next appends, in order (unscripted ones are 'ok'). */
    script: (...next: AppendScript[]) => scripts.push(...next),
    appends,
    reads,
    streams,
    /** The options the store subscribed to `$all` with (the filter). */
    subscribeOptions: () => subscribeOptions,
  };
};
