import { randomUUID } from 'node:crypto';
import type { WithMerkleLeaves } from '../../projections/MerkleLeafStore.js';
import { postgresMerkleLeaves } from './postgresMerkleLeaves.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type pg from 'pg';
import { JobError, type StoreError } from '../../domain/errors.js';
import { pagedEvents } from '../../domain/eventPages.js';
import {
  expectationHolds,
  wrongExpectedVersion,
  type AppendResult,
  type ExpectedVersion,
  type ExecuteOptions,
  type LeaseRenewal,
  type TransactionalDecider,
  type WrongExpectedVersion,
} from '../../domain/EventStore.js';
import { isCompleteSnapshot, type JobState } from '../../domain/jobState.js';
import { jobIdOfStream, type NewEvent, type StoredEvent } from '../../domain/storedEvent.js';
import type {
  ProjectedEventStore,
  ProjectionProgress,
  ReadModelStore,
} from '../../projections/ReadModelStore.js';
import { deepFreeze } from '../memory/deepFreeze.js';
import { sealEvents } from '../sealEvents.js';
import { sleepUntil } from '../sleepUntil.js';
import { appendBatcher, type AppendOutcome } from './appendBatcher.js';
import { isConnectionLoss } from './connectionLoss.js';
import { eventNotifications } from './eventNotifications.js';
import { latestPostgresSchemaVersion, migratePostgres, postgresNames } from './migrations.js';
import { postgresConnections } from './postgresConnections.js';
import { parsePostgresPosition } from './postgresPosition.js';
import { foldProjection, jobProjectionPayload, projectionJson } from './postgresProjection.js';
import { claimOffers, postgresReadModel } from './postgresReadModel.js';
import { checkSchemaName, redactPostgresUrl, type PostgresTargetSession } from './postgresUrl.js';
import { rebuildPostgresReadModel, type EventRow } from './rebuildPostgresReadModel.js';
import { leaseOfRow, postgresLeases, selectLeaseSql } from './postgresLeases.js';
import { emptyView, extendView, projectedOf, streamCache, viewOf, type StreamView } from './streamCache.js';
import type { WithDefaultBlobStore } from '../../app/BlobStore.js';
import { cachedBlobStore } from '../blobs/cachedBlobStore.js';
import { postgresBlobStore } from '../blobs/postgresBlobStore.js';

export { parsePostgresUrl, type PostgresUrlOptions } from './postgresUrl.js';

/** Options of {@link postgresEventStore}. */
export interface PostgresEventStoreOptions {
  /**
   * A `postgres://` connection string for `pg` (see `parsePostgresUrl` for a store URL with options). It may name
   * several hosts, a primary and its standbys (`postgres://app@db1:5432,db2:5432/prod`): the store then writes to
   * the writable one and follows it through a failover (see `failoverTimeoutMs`).
   */
  readonly url: string;
  /** The schema that holds the store's tables and functions (default `jobledger`); created when missing. */
  readonly schema?: string;
  /** Connections in the pool (default 10), plus one that listens for other instances' appends. */
  readonly poolSize?: number;
  /** `statement_timeout` of every connection, in milliseconds (default: the server's). */
  readonly statementTimeoutMs?: number;
  /** `application_name` of every connection (default `jobledger`), as `pg_stat_activity` shows it. */
  readonly applicationName?: string;
  /** Events per read in readAll, readStream and subscribe when the caller gives no batchSize (default 500). */
  readonly batchSize?: number;
  /** About this many events per transaction of `rebuildReadModel` (default 2000). */
  readonly rebuildBatchSize?: number;
  /** How often a subscriber reads when no notification woke it (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Events of recently used streams kept to decide without reading them first (default 20 000). */
  readonly cacheEvents?: number;
  /**
   * Optimistic attempts of a command before it decides while holding the stream's lock (default 3; 0: always
   * hold it, two round trips per command).
   */
  readonly optimisticAttempts?: number;
  /**
   * Append transactions of this store object in flight at once (default 2). Appends that come while they run
   * share the next transaction (group commit, see appendBatcher.ts); 1 gives the largest batches, a higher
   * number more parallel commits.
   */
  readonly maxAppendTransactions?: number;
  /**
   * For a read model fed from another store (`openKurrentStore` with `projections=postgres://…`): how that
   * store's positions order. The read model's checkpoint is then that store's position, and its
   * `saveCheckpoint` records one reached without events; nothing is meant to be appended to this schema.
   */
  readonly feedPositions?: (a: string, b: string) => number;
  /**
   * With several hosts in `url` (or when given): how long a call waits for a writable host after the connection
   * was lost, in milliseconds (default 30 000). Meanwhile the store probes every host until one is writable
   * (`targetSessionAttrs`) and moves its pool, its LISTEN connection and its subscribers there; an append whose
   * commit outcome was lost with the connection is answered by reading its event ids back (a success if they
   * landed, sent again if not). Past the timeout a call fails with a StoreError saying the failover did not
   * finish. One host without this option: an error is answered at once, as a plain connection does.
   */
  readonly failoverTimeoutMs?: number;
  /** How the writable host is recognised, as libpq's `target_session_attrs` (default `read-write`). */
  readonly targetSessionAttrs?: PostgresTargetSession;
}

/** The Postgres event store: a {@link ProjectedEventStore} that can also rebuild and migrate on demand. */
export interface PostgresEventStore extends ProjectedEventStore, WithDefaultBlobStore, WithMerkleLeaves {
  readonly schema: string;
  readonly readModel: ReadModelStore & { saveCheckpoint?(position: string): Promise<void> };
  rebuildReadModel(onProgress?: (p: ProjectionProgress) => void): Promise<ProjectionProgress>;
  /** Runs the migrations now (they otherwise run on first use); resolves with the schema version. */
  migrate(): Promise<number>;
  /** Counts since the store opened, to see the group commit at work (commands per transaction). */
  stats(): PostgresStoreStats;
}

/** What {@link PostgresEventStore.stats} counts. */
export interface PostgresStoreStats {
  /** Append transactions sent (one per batch of the group commit, or per locked write). */
  readonly transactions: number;
  /** Appends and executes sent to be stored (a stale one that was sent again counts again). */
  readonly commands: number;
  /** Events stored. */
  readonly events: number;
}

interface AppendRow extends AppendOutcome {
  readonly missing: readonly MissingEvent[] | null;
}

/** An event as `append_events` returns it in `missing`. */
interface MissingEvent {
  readonly position: string;
  readonly streamId: string;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: StoredEvent['metadata'];
}

const toStoredEvent = (r: EventRow): StoredEvent =>
  deepFreeze({
    eventId: r.event_id,
    streamId: r.stream_id,
    version: r.version,
    position: r.position,
    type: r.type,
    schemaVersion: r.schema_version,
    data: r.data,
    metadata: r.metadata as StoredEvent['metadata'],
  });

const fromMissing = (m: MissingEvent): StoredEvent =>
  deepFreeze({
    eventId: m.eventId,
    streamId: m.streamId,
    version: m.version,
    position: m.position,
    type: m.type,
    schemaVersion: m.schemaVersion,
    data: m.data,
    metadata: m.metadata,
  });

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Events sealed for one attempt, with the projection they lead to. */
interface Sealed {
  readonly view: StreamView;
  readonly events: readonly StoredEvent[];
  readonly eventsJson: string;
  readonly projectionJson: string | null;
  readonly projected: JobState | undefined;
}

type Attempt =
  | { readonly kind: 'ok'; readonly result: AppendResult }
  | { readonly kind: 'wrong-expected'; readonly actual: number }
  | { readonly kind: 'stale'; readonly view: StreamView | undefined };

const expectedText = (expected: ExpectedVersion): string =>
  typeof expected === 'number' ? String(expected) : expected;

/**
 * The event store on PostgreSQL (`pg` 8), for backend services with many instances writing at once. Connects
 * lazily: the first call runs the migrations (under an advisory lock, so instances starting together migrate
 * once) and every later call uses the pool.
 *
 * - Appends go through the `append_events` function (migrations.ts): expectation, tip check, events, job
 *   projections, in one round trip and one transaction. Events are sealed (versions, ids, hash chain) here, so
 *   hashes are the same on every store. Concurrent appends of one store object share transactions
 *   (`append_batch`, group commit: appendBatcher.ts), each still checked and answered on its own.
 * - `execute` decides against the stream as this object last saw it (a stream it does not know: as an empty
 *   one, which is right for a creation) and appends only if the stream is still at that tip: one round trip.
 *   When the stream moved on, the append answers with the missing events and the command decides again; a
 *   refusal decided on a remembered stream is checked against the database before it is answered. After
 *   `optimisticAttempts` such rounds the command decides while holding the stream's lock (`BEGIN; lock_stream`
 *   ... `append_events; COMMIT`, two round trips). Either way the events stored were decided on the stream as
 *   it was when they were stored: commands never see a conflict.
 * - `append` is one round trip when this object knows the stream's tip (it wrote or read it last) or expects
 *   no stream; otherwise it reads the tip first (two round trips): the hash chain is sealed here, against the
 *   tip, so that every store computes the same hashes.
 * - `readAll` and `subscribe` read in `(transaction id, seq)` order below a horizon, so nothing committed late
 *   with a lower number is ever skipped (see migrations.ts). Positions are `"<txId>:<seq>"`.
 * - Subscribers wake on this object's own commits at once, and on other instances' through LISTEN/NOTIFY
 *   (eventNotifications.ts); they read again from their last position, so a dropped listener loses nothing.
 *
 * @example
 * const store = postgresEventStore({ url: 'postgres://app@db:5432/prod', schema: 'jobs', poolSize: 20 });
 * const ledger = createJobLedger({ store });
 */
export const postgresEventStore = (options: PostgresEventStoreOptions): PostgresEventStore => {
  const schema = checkSchemaName(options.schema ?? 'jobledger');
  const names = postgresNames(schema);
  const { q } = names;
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const optimisticAttempts = options.optimisticAttempts ?? 3;
  const base = redactPostgresUrl(options.url);
  const description = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
  const connections = postgresConnections({
    url: options.url,
    config: {
      application_name: options.applicationName ?? 'jobledger',
      ...(options.statementTimeoutMs !== undefined && { statement_timeout: options.statementTimeoutMs }),
      // The read functions rely on a new snapshot per statement.
      options: '-c default_transaction_isolation=read\\ committed',
    },
    poolSize: options.poolSize ?? 10,
    description: base,
    ...(options.targetSessionAttrs !== undefined && { targetSessionAttrs: options.targetSessionAttrs }),
    ...(options.failoverTimeoutMs !== undefined && { failoverTimeoutMs: options.failoverTimeoutMs }),
  });
  const pool = connections.pool;
  pool.on('error', () => {
    // An idle connection broke (server restart): the pool drops it and opens another when needed.
  });
  const notifications = eventNotifications({
    pool,
    newClient: connections.newClient,
    checkListener: connections.checkWritable,
    channel: names.channel,
  });
  const cache = streamCache(options.cacheEvents ?? 20_000);

  let closed = false;
  const closedMessage = `the Postgres store ${description} is closed; open it again`;
  const closedError = (): StoreError => JobError.store(closedMessage);
  const failure = (what: string, error: unknown): StoreError =>
    JobError.store(`${description}: ${what} failed: ${reason(error)}`, error);

  let migrated: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (closed) return Promise.reject(new Error(closedMessage));
    migrated ??= migratePostgres(pool, names).then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined;
        throw new Error(`cannot open ${description}: ${reason(error)}`, { cause: error });
      },
    );
    return migrated;
  };

  const transaction = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A connection that cannot roll back is broken: it is closed instead of going back to the pool.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      client.release(broken);
      throw error;
    }
  };

  const selectEvent = `e.tx_id::text || ':' || e.seq::text AS position, e.stream_id, e.version, e.event_id,
    e.type, e.schema_version, e.data, e.metadata`;

  const readTail = async (streamId: string, after: number): Promise<StoredEvent[]> =>
    (
      await pool.query<EventRow>({
        name: `${schema}:tail`,
        text: `SELECT ${selectEvent} FROM ${q('events')} e WHERE e.stream_id = $1 AND e.version > $2
               ORDER BY e.version`,
        values: [streamId, after],
      })
    ).rows.map(toStoredEvent);

  const readAfter = async (after: string, limit: number): Promise<StoredEvent[]> => {
    const [txId, seq] = after.split(':');
    return (
      await pool.query<EventRow>({
        name: `${schema}:read-after`,
        text: `SELECT * FROM ${q('read_after')}($1::xid8, $2::bigint, $3)`,
        values: [txId, seq, limit],
      })
    ).rows.map(toStoredEvent);
  };

  /** The log after `options.after`, a page (default `batchSize`) at a time. */
  async function* readPages(
    options: { readonly after?: string; readonly batchSize?: number } = {},
  ): AsyncGenerator<readonly StoredEvent[]> {
    ensureOpen();
    parsePostgresPosition(options.after, description);
    await ready();
    const size = options.batchSize ?? batchSize;
    let after = options.after ?? '0:0';
    for (;;) {
      ensureOpen();
      const events = await readAfter(after, size);
      if (events.length > 0) yield events;
      if (events.length < size) return;
      after = events[events.length - 1]!.position;
    }
  }

  /** The view of a stream read from the database: all its events, or (`full` false) only its tip. */
  const loadView = async (streamId: string, full: boolean): Promise<StreamView> => {
    if (full) return cache.set(viewOf(streamId, await readTail(streamId, -1)));
    const r = await pool.query<{ version: number; hash: string; position: string }>({
      name: `${schema}:tip`,
      text: `SELECT e.version, e.metadata->>'hash' AS hash, e.tx_id::text || ':' || e.seq::text AS position
             FROM ${q('events')} e WHERE e.stream_id = $1 ORDER BY e.version DESC LIMIT 1`,
      values: [streamId],
    });
    const tip = r.rows[0];
    return cache.set(
      tip === undefined
        ? { ...emptyView(streamId), events: undefined }
        : { streamId, version: tip.version, hash: tip.hash, lastPosition: tip.position, events: undefined },
    );
  };

  const seal = (view: StreamView, events: readonly NewEvent[]): Sealed => {
    const sealed = sealEvents(view.streamId, { version: view.version, hash: view.hash }, events, () => '');
    const jobId = jobIdOfStream(view.streamId);
    let projected: JobState | undefined;
    let projection: string | null = null;
    if (jobId !== undefined && sealed.length > 0) {
      const before = projectedOf(view);
      projected = foldProjection(before, sealed);
      if (projected !== undefined && projected !== before) {
        projection = projectionJson([jobProjectionPayload(jobId, before, projected)]);
      }
    }
    const eventsJson = JSON.stringify(
      sealed.map((e) => ({
        version: e.version,
        eventId: e.eventId,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data ?? null,
        metadata: e.metadata,
      })),
    );
    return { view, events: sealed, eventsJson, projectionJson: projection, projected };
  };

  const emptyResult = (view: StreamView): AppendResult => ({
    nextVersion: view.version + 1,
    position: view.lastPosition ?? '0:0',
    events: [],
  });

  /** After a commit: the stored events with their positions; the cache and the subscribers learn of them. */
  const committed = (s: Sealed, row: AppendRow): AppendResult => {
    if (s.events.length === 0) {
      return row.actual === s.view.version
        ? emptyResult(s.view)
        : { nextVersion: row.actual + 1, position: '0:0', events: [] };
    }
    const stored = deepFreeze(s.events.map((e, i) => ({ ...e, position: `${row.tx_id}:${row.seqs![i]}` })));
    storedEvents += stored.length;
    const last = stored[stored.length - 1]!;
    const next: StreamView = {
      streamId: s.view.streamId,
      version: last.version,
      hash: last.metadata.hash,
      lastPosition: last.position,
      events: s.view.events === undefined ? undefined : [...s.view.events, ...stored],
    };
    if (s.view.projected !== undefined) next.projected = { state: s.projected };
    cache.set(next);
    notifications.committed();
    return { nextVersion: last.version + 1, position: last.position, events: stored };
  };

  const batcher = appendBatcher({
    appendOne: async (item) =>
      (
        await pool.queryOnce<AppendRow>({
          name: `${schema}:append`,
          text: `SELECT outcome, actual, tx_id, seqs, missing
                 FROM ${q('append_events')}($1, $2, $3, $4::json, $5::jsonb)`,
          values: [item.streamId, item.expected, item.tip, item.eventsJson, item.projectionJson],
        })
      ).rows[0]!,
    appendMany: async (itemsJson) =>
      (
        await pool.queryOnce<AppendRow>({
          name: `${schema}:append-batch`,
          text: `SELECT outcome, actual, tx_id, seqs, missing FROM ${q('append_batch')}($1::json) ORDER BY idx`,
          values: [itemsJson],
        })
      ).rows,
    ...(options.maxAppendTransactions !== undefined && { maxInFlight: options.maxAppendTransactions }),
    // After a failover a lost batch may have committed: its appends are settled each (tryAppend), never resent.
    ...(connections.failover && { unknownOutcome: isConnectionLoss }),
  });

  /**
   * Whether sealed events whose commit outcome was lost with the connection are in the log (the event ids are
   * ours and unique): the row `append_events` would have answered, or undefined when they are not there.
   */
  const landedRow = async (s: Sealed): Promise<AppendRow | undefined> => {
    if (s.events.length === 0) return undefined;
    const rows = (
      await pool.query<{ version: number; event_id: string; tx_id: string; seq: string }>({
        name: `${schema}:landed`,
        text: `SELECT e.version, e.event_id, e.tx_id::text AS tx_id, e.seq::text AS seq FROM ${q('events')} e
               WHERE e.event_id = ANY($1::text[]) ORDER BY e.version`,
        values: [s.events.map((e) => e.eventId)],
      })
    ).rows;
    if (rows.length === 0) return undefined;
    const matches =
      rows.length === s.events.length &&
      rows.every((r, i) => r.event_id === s.events[i]!.eventId && r.version === s.events[i]!.version);
    if (!matches) {
      throw new Error(
        `${s.view.streamId}: ${rows.length} of the ${s.events.length} events of an append whose outcome was lost are in the log, not as they were sent; run verify`,
      );
    }
    return {
      outcome: 'ok',
      actual: rows[rows.length - 1]!.version,
      tx_id: rows[0]!.tx_id,
      seqs: rows.map((r) => r.seq),
      missing: null,
    };
  };

  /**
   * One optimistic append: stored only if the stream is still at `view`'s tip. One round trip, shared with the
   * appends of other commands of this object that come at the same time (group commit).
   */
  const tryAppend = async (
    view: StreamView,
    events: readonly NewEvent[],
    expected: string,
  ): Promise<Attempt> => {
    const s = seal(view, events);
    const item = {
      streamId: view.streamId,
      expected,
      tip: view.version,
      eventsJson: s.eventsJson,
      projectionJson: s.projectionJson,
    };
    // The same request again after a failover, unless it landed before the connection was lost.
    const row = await connections.settle({
      attempt: async () => (await batcher.append(item)) as AppendRow,
      landed: () => landedRow(s),
      accepted: (r) => r.outcome === 'ok',
    });
    if (row.outcome === 'ok') return { kind: 'ok', result: committed(s, row) };
    if (row.outcome === 'wrong-expected') {
      if (row.actual !== view.version) cache.delete(view.streamId);
      return { kind: 'wrong-expected', actual: row.actual };
    }
    const extended = extendView(view, (row.missing ?? []).map(fromMissing));
    if (extended === undefined || extended.version !== row.actual) {
      cache.delete(view.streamId);
      return { kind: 'stale', view: undefined };
    }
    return { kind: 'stale', view: cache.set(extended) };
  };

  /**
   * Decides while holding the stream's lock: `BEGIN; lock_stream` (the events after `known`'s tip; pass a view
   * with events when `plan` needs them), then
   * `append_events; COMMIT`. Two round trips (simple-protocol statements, values escaped as literals). While
   * the lock is held, other writers of the stream wait and `claimCandidates` offers other jobs first.
   */
  let lockedWrites = 0;
  let storedEvents = 0;
  const lockedWriteOnce = async <Err>(
    streamId: string,
    known: StreamView | undefined,
    plan: (view: StreamView, lease?: LeaseRenewal) => E.Either<Err, readonly NewEvent[]>,
    expected: string,
    sending: (s: Sealed) => void,
    withLease = false,
  ): Promise<E.Either<Err | StoreError, AppendResult>> => {
    const client = await pool.connect();
    lockedWrites++;
    const stream = client.escapeLiteral(streamId);
    let open = false;
    try {
      open = true;
      const after = known === undefined ? -1 : known.version;
      const results = (await client.query(
        `BEGIN; SELECT * FROM ${q('lock_stream')}(${stream}, ${after})`,
      )) as unknown as pg.QueryResult<EventRow>[];
      const tail = results[1]!.rows.map(toStoredEvent);
      let view = after === -1 ? viewOf(streamId, tail) : extendView(known!, tail);
      if (view === undefined) {
        const whole = await client.query<EventRow>(`SELECT * FROM ${q('lock_stream')}(${stream}, -1)`);
        view = viewOf(streamId, whole.rows.map(toStoredEvent));
      }
      cache.set(view);
      const jobId = jobIdOfStream(streamId);
      // Read under the stream's lock, which renewals take too: the decision sees the deadline in force.
      const lease =
        withLease && jobId !== undefined
          ? leaseOfRow((await client.query(selectLeaseSql(names), [jobId])).rows[0])
          : undefined;
      const planned = plan(view, lease);
      if (E.isLeft(planned) || planned.right.length === 0) {
        await client.query('ROLLBACK');
        open = false;
        client.release();
        return E.isLeft(planned) ? planned : E.right(emptyResult(view));
      }
      const s = seal(view, planned.right);
      sending(s);
      const results2 = (await client.query(
        `SELECT outcome, actual, tx_id, seqs, missing FROM ${q('append_events')}(${stream},
           ${client.escapeLiteral(expected)}, ${view.version}, ${client.escapeLiteral(s.eventsJson)}::json,
           ${s.projectionJson === null ? 'NULL' : client.escapeLiteral(s.projectionJson)}::jsonb);
         COMMIT`,
      )) as unknown as pg.QueryResult<AppendRow>[];
      open = false;
      client.release();
      const row = results2[0]!.rows[0]!;
      if (row.outcome === 'ok') return E.right(committed(s, row));
      cache.delete(streamId);
      return E.left(
        JobError.store(`${description}: ${streamId} changed while its lock was held (${row.outcome}); retry`),
      );
    } catch (error) {
      cache.delete(streamId);
      if (open) {
        const broken = await client.query('ROLLBACK').then(
          () => undefined,
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        );
        client.release(broken);
      }
      throw error;
    }
  };

  /** {@link lockedWriteOnce}, decided again after a failover unless the write it sent had landed. */
  const lockedWrite = <Err>(
    streamId: string,
    known: StreamView | undefined,
    plan: (view: StreamView, lease?: LeaseRenewal) => E.Either<Err, readonly NewEvent[]>,
    expected: string,
    withLease = false,
  ): Promise<E.Either<Err | StoreError, AppendResult>> => {
    let sent: Sealed | undefined;
    return connections.settle({
      attempt: () => lockedWriteOnce(streamId, known, plan, expected, (s) => (sent = s), withLease),
      landed: async () => {
        const s = sent;
        sent = undefined;
        if (s === undefined) return undefined;
        const row = await landedRow(s);
        return row === undefined ? undefined : E.right(committed(s, row));
      },
    });
  };

  const offers = claimOffers();
  const readModel = postgresReadModel({
    pool,
    names,
    description,
    ready,
    transaction,
    offers,
    ...(options.feedPositions !== undefined && { comparePositions: options.feedPositions }),
  });

  const ensureOpen = (): void => {
    if (closed) throw new Error(closedMessage);
  };

  /** Waits for a wake-up, an abort or `ms`, whichever comes first (at once when the store is closed). */
  const pause = (woken: Promise<void>, signal: AbortSignal | undefined, ms: number): Promise<void> =>
    closed ? Promise.resolve() : sleepUntil(ms, { signal, woken });

  const store: PostgresEventStore = {
    description,
    // File contents in tables of this schema (same server, same credentials), behind a local cache of 1 GiB in
    // the OS temp directory, removed when the ledger closes.
    defaultBlobStore: () =>
      cachedBlobStore(
        postgresBlobStore({
          url: options.url,
          schema,
          ...(options.failoverTimeoutMs !== undefined && { failoverTimeoutMs: options.failoverTimeoutMs }),
          ...(options.targetSessionAttrs !== undefined && { targetSessionAttrs: options.targetSessionAttrs }),
        }),
        {
          dir: join(tmpdir(), `jobledger-cache-${schema}-${process.pid}-${randomUUID().slice(0, 8)}`),
        },
      ),
    schema,
    readModel,
    merkleLeaves: () => postgresMerkleLeaves({ pool, q, ready }),
    leases: postgresLeases({ names, ready, pool, description }),
    migrate: async () => {
      await ready();
      return latestPostgresSchemaVersion;
    },
    append:
      (streamId, events, { expected }) =>
      async (): Promise<E.Either<WrongExpectedVersion | StoreError, AppendResult>> => {
        if (closed) return E.left(closedError());
        const wrong = (actual: number): WrongExpectedVersion =>
          wrongExpectedVersion(streamId, expected, actual === -1 ? 'no-stream' : actual);
        try {
          await ready();
          const isJob = jobIdOfStream(streamId) !== undefined;
          let view = cache.get(streamId);
          if (view === undefined || (isJob && view.events === undefined)) {
            // A stream expected not to exist is sealed as new without reading: if it exists, the expectation
            // fails in the same round trip.
            view = expected === 'no-stream' ? emptyView(streamId) : await loadView(streamId, isJob);
          }
          for (let i = 0; i < optimisticAttempts; i++) {
            const attempt = await tryAppend(view, events, expectedText(expected));
            if (attempt.kind === 'ok') return E.right(attempt.result);
            if (attempt.kind === 'wrong-expected') return E.left(wrong(attempt.actual));
            view = attempt.view ?? (await loadView(streamId, isJob));
          }
          return await lockedWrite(
            streamId,
            view,
            (v) => (expectationHolds(expected, v.version) ? E.right(events) : E.left(wrong(v.version))),
            expectedText(expected),
          );
        } catch (error) {
          if (closed) return E.left(closedError());
          return E.left(failure(`appending to ${streamId}`, error));
        }
      },
    execute:
      <Err>(streamId: string, decider: TransactionalDecider<Err>, options: ExecuteOptions = {}) =>
      async (): Promise<E.Either<Err | StoreError, AppendResult>> => {
        if (closed) return E.left(closedError());
        const jobId = jobIdOfStream(streamId);
        // The view keeps the job's projected state up to date as it grows (it is what the append projects
        // from): a command starts from it and folds only the events it has not taken in (none, usually).
        const decideOn = (v: StreamView, lease?: LeaseRenewal) => {
          const state = options.fromSnapshot === true && jobId !== undefined ? projectedOf(v) : undefined;
          const events = v.events!;
          // A view holds its stream from version 0, so version n is at index n.
          if (state === undefined || !isCompleteSnapshot(state) || events[0]?.version !== 0)
            return decider(events, undefined, lease);
          return decider(events.slice(state.version + 1), { version: state.version, state }, lease);
        };
        const decideLocked = (withLease: boolean) => {
          const known = cache.get(streamId);
          return lockedWrite(
            streamId,
            known?.events === undefined ? undefined : known,
            decideOn,
            'any',
            withLease,
          );
        };
        try {
          await ready();
          // An expiry: decided while holding the stream, on the lease renewals keep under the same lock.
          if (options.withLease === true) return await decideLocked(true);
          const cached = cache.get(streamId);
          // A stream this object does not know is first taken to be empty: a command that creates it (the usual
          // reason not to know it) then costs one round trip, and if the stream exists the append returns it.
          let view = cached?.events === undefined ? emptyView(streamId) : cached;
          let guessed = view !== cached;
          // `fresh`: the view was read from the database during this call, so a refusal (or nothing to do)
          // decided on it is the answer; one decided on a cached or guessed view is checked first.
          let fresh = false;
          for (let i = 0; i < optimisticAttempts; i++) {
            const planned = decideOn(view);
            if (E.isLeft(planned) || planned.right.length === 0) {
              const answer = E.isLeft(planned) ? planned : E.right(emptyResult(view));
              if (fresh) return answer;
              const tail = await readTail(streamId, guessed ? -1 : view.version);
              if (tail.length === 0) return answer;
              const read = guessed ? viewOf(streamId, tail) : extendView(view, tail);
              if (read === undefined) break;
              view = cache.set(read);
              guessed = false;
              fresh = true;
              continue;
            }
            const attempt = await tryAppend(view, planned.right, 'any');
            if (attempt.kind === 'ok') return E.right(attempt.result);
            if (jobId !== undefined) offers.contended();
            if (attempt.kind !== 'stale' || attempt.view === undefined) break;
            view = attempt.view;
            guessed = false;
            fresh = true;
          }
          // The stream kept moving under the optimistic attempts: decide while holding it.
          return await decideLocked(false);
        } catch (error) {
          if (closed) return E.left(closedError());
          return E.left(failure(`a command on ${streamId}`, error));
        } finally {
          if (jobId !== undefined) offers.settle(jobId);
        }
      },
    async *readStream(streamId, options = {}) {
      ensureOpen();
      await ready();
      let from = options.from ?? 0;
      for (;;) {
        ensureOpen();
        const r = await pool.query<EventRow>({
          name: `${schema}:read-stream`,
          text: `SELECT ${selectEvent} FROM ${q('events')} e WHERE e.stream_id = $1 AND e.version >= $2
                 ORDER BY e.version LIMIT $3`,
          values: [streamId, from, batchSize],
        });
        for (const row of r.rows) yield toStoredEvent(row);
        if (r.rows.length < batchSize) return;
        from = r.rows[r.rows.length - 1]!.version + 1;
      }
    },
    readAll: (options = {}) => pagedEvents(() => readPages(options)),
    async *subscribe(options = {}) {
      parsePostgresPosition(options.after, description);
      let after = options.after ?? '0:0';
      const signal = options.signal;
      const stopped = (): boolean => closed || signal?.aborted === true;
      if (stopped()) return;
      await ready();
      await notifications.listen();
      let failures = 0;
      while (!stopped()) {
        // Taken before reading: a commit during the read wakes the wait below at once.
        const woken = notifications.next();
        let events: StoredEvent[];
        try {
          events = await readAfter(after, batchSize);
          failures = 0;
        } catch (error) {
          if (stopped()) return;
          if (++failures >= 8) {
            throw new Error(
              `${description}: subscribe gave up after ${failures} failed reads: ${reason(error)}`,
              {
                cause: error,
              },
            );
          }
          await pause(woken, signal, Math.min(100 * 2 ** failures, 5000));
          continue;
        }
        for (const event of events) {
          if (stopped()) return;
          yield event;
          after = event.position;
        }
        if (events.length === batchSize) continue;
        await pause(woken, signal, pollIntervalMs);
      }
    },
    stats: () => {
      const sent = batcher.stats();
      return {
        transactions: sent.transactions + lockedWrites,
        commands: sent.appends + lockedWrites,
        events: storedEvents,
      };
    },
    rebuildReadModel: (onProgress) =>
      rebuildPostgresReadModel(
        { names, ready, transaction, checkpoint: () => readModel.checkpoint(), toStoredEvent },
        onProgress,
        options.rebuildBatchSize,
      ),
    async close() {
      if (closed) return;
      closed = true;
      cache.clear();
      await notifications.close();
      await connections.end();
    },
  };
  return store;
};
