import type * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { StoreError } from './errors.js';
import type { JobState } from './jobState.js';
import type { NewEvent, StoredEvent } from './storedEvent.js';

/**
 * What an append expects of the stream:
 * - `'no-stream'`: the stream must not exist;
 * - `'exists'`: the stream must have at least one event;
 * - `'any'`: no check;
 * - a number: the version of the stream's last event must be exactly this (versions start at 0).
 */
export type ExpectedVersion = 'no-stream' | 'exists' | 'any' | number;

/** The stream was not as expected; `actual` is its true last version, or `'no-stream'`. Nothing was appended. */
export interface WrongExpectedVersion {
  readonly _tag: 'WrongExpectedVersion';
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly actual: number | 'no-stream';
  readonly message: string;
}

export const wrongExpectedVersion = (
  streamId: string,
  expected: ExpectedVersion,
  actual: number | 'no-stream',
): WrongExpectedVersion => ({
  _tag: 'WrongExpectedVersion',
  streamId,
  expected,
  actual,
  message: `${streamId}: expected ${expected === 'no-stream' || expected === 'exists' || expected === 'any' ? expected : `version ${expected}`}, but the stream is at ${actual === 'no-stream' ? 'no stream' : `version ${actual}`}`,
});

/** True when `expected` holds for a stream whose last version is `actual` (-1 when it does not exist). */
export const expectationHolds = (expected: ExpectedVersion, actual: number): boolean =>
  expected === 'any' ||
  (expected === 'no-stream' && actual === -1) ||
  (expected === 'exists' && actual >= 0) ||
  expected === actual;

export interface AppendResult {
  /** The version the next event of the stream will get (last version + 1). */
  readonly nextVersion: number;
  /** The global position of the last appended event. */
  readonly position: string;
  /** The events as stored, with versions, positions and hashes. */
  readonly events: readonly StoredEvent[];
}

/**
 * Decides inside the store's write transaction: given the stream as it is now, answer the events to append
 * (or an error). Stores that can hold a transaction across the decision (SQLite) offer `execute`, which never
 * conflicts; the ledger falls back to read/decide/append-with-expected-version otherwise.
 */
export type TransactionalDecider<Err> = (
  stream: readonly StoredEvent[],
  snapshot?: StreamSnapshot,
  lease?: LeaseRenewal,
) => E.Either<Err, readonly NewEvent[]>;

/**
 * A job's lease as renewed beside its stream: heartbeats change this, not the history. It counts only for the
 * claim it was renewed under (`claimVersion`, the version of the claim event), so a renewal can never outlive a
 * release, an expiry or a re-claim (fencing).
 */
export interface LeaseRenewal {
  readonly agentId: string;
  readonly claimVersion: number;
  readonly expiresAt: Date;
}

/**
 * Where a store keeps renewed leases beside the streams (memory, SQLite, Postgres). Such stores hand the
 * stream's renewal to a {@link TransactionalDecider} inside its write transaction (always on memory and SQLite;
 * when asked with `withLease` on Postgres), so that an expiry is decided on the deadline in force: a renewal
 * and an expiry never both succeed. The ledger's `heartbeat` uses it when present; nothing is appended.
 *
 * @example
 * const store = openStore('memory:');
 * // ... job-1 claimed by agent-7 with its claim event at version 2, the stream now at version 3:
 * await store.leases?.renew(
 *   'job-1',
 *   { agentId: 'agent-7', claimVersion: 2, expiresAt: new Date(Date.now() + 60_000) },
 *   { expected: 3 },
 * )(); // E.right(undefined), or E.left(WrongExpectedVersion) when something was appended since version 3
 */
export interface LeaseStore {
  /**
   * Keeps `renewal` for the stream if the stream is still at version `expected` (a compare-and-set on the
   * stream: nothing was appended since the caller decided). Otherwise `WrongExpectedVersion` and nothing changes.
   */
  renew(
    streamId: string,
    renewal: LeaseRenewal,
    options: { readonly expected: number },
  ): TE.TaskEither<WrongExpectedVersion | StoreError, void>;
  /** The last renewal kept for the stream (of any claim), or undefined. */
  get(streamId: string): Promise<LeaseRenewal | undefined>;
}

/**
 * A job's state at a version, as the store's read model holds it in the same transaction as the events. When a
 * decider gets one, `stream` holds only the events after `version`: the decision costs the same however long the
 * job's history is (commands in constant time).
 *
 * @example
 * store.execute?.('job-1', (stream, snapshot) => {
 *   const state = foldJobStream(stream, defaultUpcasters, snapshot?.state ?? initialJobState);
 *   return E.map(toNewEvents)(decide(command, state.right, ctx)); // (sketch)
 * }, { fromSnapshot: true });
 */
export interface StreamSnapshot {
  readonly version: number;
  readonly state: JobState;
}

/** Options of {@link EventStore.execute}. */
export interface ExecuteOptions {
  /**
   * Ask for the read model's state of the job (a {@link StreamSnapshot}) plus the events after it instead of the
   * whole stream. Stores without one (or without a complete one for this stream) give the whole stream.
   */
  readonly fromSnapshot?: boolean;
  /**
   * The decision depends on the lease renewed beside the stream (an expiry): stores whose other decisions do
   * not read it (Postgres) then decide while holding the stream, with the lease read in the same transaction.
   */
  readonly withLease?: boolean;
}

/**
 * The event-store port (DESIGN section 6). Every adapter passes the contract suite in `jobledger/testing`.
 *
 * @example
 * const store = openStore('memory:');
 * await store.append('job-1', [{ type: 'JobCommentAdded', data: { commentId: 'c1', content: 'hi' } }], {
 *   expected: 'no-stream',
 * })();
 * for await (const e of store.readStream('job-1')) console.log(e.version, e.type);
 */
export interface EventStore {
  /** Appends all or nothing. A failed expectation changes nothing and reports the true actual version. */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options: { readonly expected: ExpectedVersion },
  ): TE.TaskEither<WrongExpectedVersion | StoreError, AppendResult>;
  /** The events of one stream in version order, from version `from` (default 0). */
  readStream(streamId: string, options?: { readonly from?: number }): AsyncIterable<StoredEvent>;
  /** Every event in global order, after position `after` (exclusive). */
  readAll(options?: { readonly after?: string; readonly batchSize?: number }): AsyncIterable<StoredEvent>;
  /** Catches up after `after`, then follows live appends until `signal` aborts. Never skips, never repeats. */
  subscribe(options?: { readonly after?: string; readonly signal?: AbortSignal }): AsyncIterable<StoredEvent>;
  /** Releases connections and files. Further calls fail with StoreError. */
  close(): Promise<void>;
  /** A short description for messages (`sqlite:./jobledger.db`), without secrets. */
  readonly description: string;
  /** Present when the store keeps renewed leases beside the streams (heartbeats then append nothing). */
  readonly leases?: LeaseStore;
  /** Present when the store can decide inside its write transaction (see {@link TransactionalDecider}). */
  execute?<Err>(
    streamId: string,
    decider: TransactionalDecider<Err>,
    options?: ExecuteOptions,
  ): TE.TaskEither<Err | StoreError, AppendResult>;
}
