import { dirname, join, resolve } from 'node:path';
import type { WithMerkleLeaves } from '../../projections/MerkleLeafStore.js';
import { sqliteMerkleLeaves } from './sqliteMerkleLeaves.js';
import * as E from 'fp-ts/lib/Either.js';
import { JobError, type StoreError } from '../../domain/errors.js';
import { pagedEvents, type LogPartitions } from '../../domain/eventPages.js';
import { withStoredTexts } from '../../domain/hashChain.js';
import {
  expectationHolds,
  wrongExpectedVersion,
  type AppendResult,
  type ExpectedVersion,
  type ExecuteOptions,
  type StreamSnapshot,
  type TransactionalDecider,
  type WrongExpectedVersion,
} from '../../domain/EventStore.js';
import { isCompleteSnapshot, type JobState } from '../../domain/jobState.js';
import { jobIdOfStream, type NewEvent, type StoredEvent } from '../../domain/storedEvent.js';
import type { ProjectedEventStore, ProjectionProgress } from '../../projections/ReadModelStore.js';
import { emptyTip, sealEventsWithTexts, type StreamTip } from '../sealEvents.js';
import { openSqliteDatabase } from './openSqliteDatabase.js';
import { rebuildPendingSql, rebuildSqliteReadModel } from './rebuildSqliteReadModel.js';
import { sqliteLeases } from './sqliteLeases.js';
import { sqliteProjection } from './sqliteProjection.js';
import { sqliteReadModel } from './sqliteReadModel.js';
import type { WithDefaultBlobStore } from '../../app/BlobStore.js';
import { filesystemBlobStore } from '../blobs/filesystemBlobStore.js';
import { memoryBlobStore } from '../blobs/memoryBlobStore.js';

export { parseSqliteUrl, type SqliteUrlOptions } from './sqliteUrl.js';

/** Options of {@link sqliteEventStore}. */
export interface SqliteEventStoreOptions {
  /** The database file (created when missing), or `:memory:`. */
  readonly file: string;
  /**
   * `full` (default): an acknowledged append survives power loss. `normal`: faster; the last commits may be lost
   * on an OS crash or power loss (never on a process crash).
   */
  readonly synchronous?: 'full' | 'normal';
  /** How long a write waits for another process's write transaction (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Events per read in readAll, readStream and subscribe when the caller gives no batchSize (default 500). */
  readonly batchSize?: number;
  /** Events per transaction of `rebuildReadModel` (default 5000). */
  readonly rebuildBatchSize?: number;
}

/** The connection settings as SQLite reports them (`PRAGMA journal_mode`, `synchronous`, `busy_timeout`). */
export interface SqliteSettings {
  readonly journalMode: string;
  readonly synchronous: 'off' | 'normal' | 'full' | 'extra';
  readonly busyTimeoutMs: number;
  readonly schemaVersion: number;
}

/** What this store object did since it was opened (for tests and benchmarks). */
export interface SqliteStoreStats {
  /** Write transactions committed (group commits, read-model applies, rebuild batches). */
  readonly transactions: number;
  /** Appends and executes that stored events. */
  readonly commands: number;
  /** Events stored. */
  readonly events: number;
}

/** The SQLite event store: a {@link ProjectedEventStore} that can also rebuild and report its statistics. */
export interface SqliteEventStore extends ProjectedEventStore, WithDefaultBlobStore, WithMerkleLeaves {
  readonly file: string;
  rebuildReadModel(onProgress?: (p: ProjectionProgress) => void): Promise<ProjectionProgress>;
  stats(): SqliteStoreStats;
  /** Reads the connection's settings back from SQLite. */
  settings(): SqliteSettings;
}

interface EventRow {
  readonly position: number;
  readonly stream_id: string;
  readonly version: number;
  readonly event_id: string;
  readonly type: string;
  readonly schema_version: number;
  readonly data: string;
  readonly metadata: string;
}

const toStoredEvent = (r: EventRow): StoredEvent => ({
  eventId: r.event_id,
  streamId: r.stream_id,
  version: r.version,
  position: String(r.position),
  type: r.type,
  schemaVersion: r.schema_version,
  data: JSON.parse(r.data) as unknown,
  metadata: JSON.parse(r.metadata) as StoredEvent['metadata'],
});

/** The part (of `count`) a stream's events are read in by verify's threads: FNV-1a of its id, modulo `count`. */
const partOfStream = (streamId: string, count: number): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) hash = Math.imul(hash ^ streamId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % count;
};

/** A command waiting for the next group commit. */
type Command = {
  readonly streamId: string;
  readonly resolve: (result: E.Either<unknown, AppendResult>) => void;
} & (
  | { readonly kind: 'append'; readonly events: readonly NewEvent[]; readonly expected: ExpectedVersion }
  | {
      readonly kind: 'execute';
      readonly decider: TransactionalDecider<unknown>;
      readonly fromSnapshot: boolean;
    }
);

/** A subscriber waiting for new events. */
interface Waiter {
  readonly dataVersion: number;
  readonly wake: () => void;
}

/** The transaction was rolled back by SQLite itself (I/O error, disk full): nothing of it was kept. */
class TransactionLost extends Error {}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const columns = 'position, stream_id, version, event_id, type, schema_version, data, metadata';

/**
 * The embedded event store on one SQLite file (better-sqlite3 12): one persistent connection in WAL mode,
 * `synchronous=FULL` unless asked otherwise, every write in a `BEGIN IMMEDIATE` transaction with a busy timeout
 * so that several processes may share the file. The job projections are written in the transaction of the
 * append. Concurrent callers in one process share transactions (group commit): the commands that arrive in one
 * tick run in one transaction, each in its own savepoint, so one bad command fails alone.
 *
 * Positions are the rowids of the events table as decimal strings ("1", "2", ...).
 *
 * Throws an Error with a one-line message when the file cannot be opened or was written by a newer jobledger.
 *
 * @example
 * const store = sqliteEventStore({ file: './jobledger.db', synchronous: 'normal' });
 * const ledger = createJobLedger({ store });
 */
export const sqliteEventStore = (options: SqliteEventStoreOptions): SqliteEventStore => {
  const {
    file,
    synchronous = 'full',
    busyTimeoutMs = 5000,
    batchSize: defaultBatch = 500,
    rebuildBatchSize = 5000,
  } = options;
  const description = `sqlite:${file}${synchronous === 'normal' ? '?synchronous=normal' : ''}`;
  const db = openSqliteDatabase(file, { synchronous, busyTimeoutMs, what: description });

  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT command');
  const release = db.prepare('RELEASE command');
  const rollbackTo = db.prepare('ROLLBACK TO command');
  const selectMaxPosition = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
  const selectTip = db.prepare<[string], { version: number; hash: string }>(
    `SELECT version, json_extract(metadata, '$.hash') AS hash FROM events
     WHERE stream_id = ? ORDER BY version DESC LIMIT 1`,
  );
  const selectStream = db.prepare<[string, number, number], EventRow>(
    `SELECT ${columns} FROM events WHERE stream_id = ? AND version >= ? ORDER BY version LIMIT ?`,
  );
  // No LIMIT: SQLite runs `LIMIT -1` several times slower than no limit (measured 21 vs 4 µs for an empty tail).
  const selectTail = db.prepare<[string, number], EventRow>(
    `SELECT ${columns} FROM events WHERE stream_id = ? AND version >= ? ORDER BY version`,
  );
  const selectWholeStream = db.prepare<[string], EventRow>(
    `SELECT ${columns} FROM events WHERE stream_id = ? ORDER BY version`,
  );
  const selectAfter = db.prepare<[number, number], EventRow>(
    `SELECT ${columns} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
  );
  // A part of the log for verify's threads: streams split by a hash of their id (FNV-1a), the same way in every
  // thread. SQLite steps over the other parts' rows without handing them over.
  db.function('jobledger_part', { deterministic: true }, (streamId: unknown, count: unknown) =>
    partOfStream(String(streamId), Number(count)),
  );
  const selectPartition = db.prepare<[number, number, number, number], EventRow>(
    `SELECT ${columns} FROM events WHERE position > ? AND jobledger_part(stream_id, ?) = ?
     ORDER BY position LIMIT ?`,
  );
  const selectByStream = db.prepare<[string, number, number, number], EventRow>(
    `SELECT ${columns} FROM events WHERE (stream_id, version) > (?, ?) AND position <= ?
     ORDER BY stream_id, version LIMIT ?`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO events (position, stream_id, version, event_id, type, schema_version, data, metadata)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectRebuildPending = db.prepare<[], number>(rebuildPendingSql).pluck();
  const selectDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();

  let closed = false;
  let transactions = 0;
  let commands = 0;
  let storedEvents = 0;

  const closedMessage = `the SQLite store ${description} is closed; open it again`;
  const closedError = (): StoreError => JobError.store(closedMessage);
  const ensureOpen = (): void => {
    if (closed) throw new Error(closedMessage);
  };

  /** Runs `work` in its own write transaction. */
  const write = <T>(work: () => T): T => {
    begin.run();
    try {
      const result = work();
      commit.run();
      transactions++;
      return result;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      throw error;
    }
  };

  const projection = sqliteProjection(db);
  const leases = sqliteLeases(db, { ensureOpen, description });
  const readModel = sqliteReadModel({ db, projection, write, ensureOpen });

  // --- subscribers -------------------------------------------------------------------------------------------
  // Appends through this object wake subscribers at once; appends by other connections change
  // `PRAGMA data_version`, which a timer checks only while someone waits.
  const waiters = new Set<Waiter>();
  let ownCommits = 0;
  let poller: NodeJS.Timeout | undefined;

  const wakeAll = (): void => {
    for (const waiter of [...waiters]) waiter.wake();
  };
  const stopPollerWhenIdle = (): void => {
    if (waiters.size === 0 && poller !== undefined) {
      clearInterval(poller);
      poller = undefined;
    }
  };
  const startPoller = (): void => {
    poller ??= setInterval(() => {
      if (closed) return wakeAll();
      const now = selectDataVersion.get();
      for (const waiter of [...waiters]) if (waiter.dataVersion !== now) waiter.wake();
    }, 50);
  };

  // --- group commit ------------------------------------------------------------------------------------------
  const queue: Command[] = [];
  let flushScheduled = false;

  const tipOf = (streamId: string): StreamTip => selectTip.get(streamId) ?? emptyTip;

  /**
   * The job states read or written in the transaction of the group commit under way (see
   * SqliteProjection.project): a command decides on the state it projects, and the next command of the same
   * job in the batch on the state the previous one wrote, without reading and decoding it again. Forgotten when
   * a command's savepoint rolls back and after every transaction.
   */
  const known = new Map<string, JobState | undefined>();

  /** The projected state of a job, read once per transaction. */
  const stateOf = (jobId: string): JobState | undefined => {
    if (known.has(jobId)) return known.get(jobId);
    const state = projection.load(jobId);
    known.set(jobId, state);
    return state;
  };

  /** The projected state of a job stream, when complete enough to decide on (see isCompleteSnapshot). */
  const snapshotOf = (streamId: string): StreamSnapshot | undefined => {
    const jobId = jobIdOfStream(streamId);
    const state = jobId === undefined ? undefined : stateOf(jobId);
    return state !== undefined && isCompleteSnapshot(state) ? { version: state.version, state } : undefined;
  };

  /** Seals, stores and projects the events of one command. Runs inside the command's savepoint. */
  const store = (
    streamId: string,
    tip: StreamTip,
    events: readonly NewEvent[],
    firstPosition: number,
    projecting: boolean,
  ): AppendResult => {
    const { sealed, texts } = sealEventsWithTexts(streamId, tip, events, (i) => String(firstPosition + i));
    sealed.forEach((e, i) =>
      insertEvent.run(
        firstPosition + i,
        streamId,
        e.version,
        e.eventId,
        e.type,
        e.schemaVersion,
        // The canonical texts the seal made: verify hashes them as it reads them (storedHashMatches).
        texts[i]!.dataText,
        texts[i]!.metadataText,
      ),
    );
    if (projecting) projection.project(sealed, known);
    const last = sealed[sealed.length - 1]!;
    return { nextVersion: last.version + 1, position: last.position, events: sealed };
  };

  /** Decides one command against the stream as it is inside the transaction: its events, or why not. */
  const plan = (command: Command): E.Either<unknown, { tip: StreamTip; events: readonly NewEvent[] }> => {
    if (command.kind === 'append') {
      const tip = tipOf(command.streamId);
      if (!expectationHolds(command.expected, tip.version)) {
        return E.left(
          wrongExpectedVersion(
            command.streamId,
            command.expected,
            tip.version === -1 ? 'no-stream' : tip.version,
          ),
        );
      }
      return E.right({ tip, events: command.events });
    }
    const snapshot = command.fromSnapshot ? snapshotOf(command.streamId) : undefined;
    if (snapshot !== undefined) {
      // The job's row is written in the transaction of every append, so it is the stream's state at its version:
      // only the events after it are read (none, unless a rebuild is under way).
      const tail = selectTail.all(command.streamId, snapshot.version + 1).map(toStoredEvent);
      const decided = command.decider(tail, snapshot, leases.lookup(command.streamId));
      if (E.isLeft(decided)) return decided;
      return E.right({ tip: tipOf(command.streamId), events: decided.right });
    }
    const stream = selectWholeStream.all(command.streamId).map(toStoredEvent);
    const decided = command.decider(stream, undefined, leases.lookup(command.streamId));
    if (E.isLeft(decided)) return decided;
    const last = stream[stream.length - 1];
    return E.right({
      tip: last === undefined ? emptyTip : { version: last.version, hash: last.metadata.hash },
      events: decided.right,
    });
  };

  /**
   * One group commit. SQLite serialises writers and this transaction takes the next positions while it holds
   * the write lock, so position order is commit order: a reader that has seen position p has seen every
   * position below p that will ever exist. That is why subscribers never skip an event.
   */
  const flush = (): void => {
    flushScheduled = false;
    const batch = queue.splice(0);
    if (batch.length === 0) return;
    known.clear();
    const results: E.Either<unknown, AppendResult>[] = [];
    let stored = 0;
    try {
      begin.run();
    } catch (error) {
      const failure = JobError.store(
        `${description}: could not start a write transaction (${reason(error)}); retry`,
        error,
      );
      for (const command of batch) command.resolve(E.left(failure));
      return;
    }
    try {
      const before = selectMaxPosition.get() ?? 0;
      let next = before + 1;
      const projecting = selectRebuildPending.get() === undefined;
      for (const command of batch) {
        let planned: ReturnType<typeof plan>;
        try {
          planned = plan(command);
        } catch (error) {
          if (!db.inTransaction) throw new TransactionLost(reason(error));
          results.push(E.left(JobError.store(`${command.streamId}: ${reason(error)}`, error)));
          continue;
        }
        if (E.isLeft(planned)) {
          results.push(planned);
          continue;
        }
        const { tip, events } = planned.right;
        if (events.length === 0) {
          results.push(E.right({ nextVersion: tip.version + 1, position: String(next - 1), events: [] }));
          continue;
        }
        savepoint.run();
        try {
          const result = store(command.streamId, tip, events, next, projecting);
          release.run();
          next += events.length;
          stored++;
          results.push(E.right(result));
        } catch (error) {
          if (!db.inTransaction) throw new TransactionLost(reason(error));
          known.clear();
          rollbackTo.run();
          release.run();
          results.push(
            E.left(JobError.store(`appending to ${command.streamId} failed: ${reason(error)}`, error)),
          );
        }
      }
      if (projecting && next - 1 > before) projection.followLog();
      commit.run();
      transactions++;
      commands += stored;
      storedEvents += next - 1 - before;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      const failure = JobError.store(
        `${description}: the transaction failed and nothing of it was stored (${reason(error)}); retry`,
        error,
      );
      batch.forEach((command, i) => {
        const result = results[i];
        command.resolve(result === undefined || E.isRight(result) ? E.left(failure) : result);
      });
      return;
    }
    if (stored > 0) {
      ownCommits++;
      wakeAll();
    }
    batch.forEach((command, i) => command.resolve(results[i]!));
  };

  const enqueue = <Err>(
    command:
      | Omit<Extract<Command, { kind: 'append' }>, 'resolve'>
      | Omit<Extract<Command, { kind: 'execute' }>, 'resolve'>,
  ): Promise<E.Either<Err | StoreError, AppendResult>> =>
    new Promise((resolve) => {
      if (closed) return resolve(E.left(closedError()));
      queue.push({ ...command, resolve: resolve as Command['resolve'] });
      if (!flushScheduled) {
        flushScheduled = true;
        // setImmediate, not a microtask: callers whose previous command just resolved get to queue theirs.
        setImmediate(flush);
      }
    });

  const parsePosition = (after: string | undefined): number => {
    if (after === undefined) return 0;
    const n = Number(after);
    if (!/^\d+$/.test(after) || !Number.isSafeInteger(n)) {
      throw new Error(
        `${JSON.stringify(after)} is not a position of ${description} (positions are decimal strings)`,
      );
    }
    return n;
  };

  /**
   * The log after `after`, a page of `size` at a time; `part` [count, index]: only that part's streams. Bulk
   * reads (verify, the Merkle tree) keep each row's texts for storedHashMatches' shortcut.
   */
  async function* readPages(
    after: number,
    size: number,
    part?: readonly [number, number],
  ): AsyncGenerator<readonly StoredEvent[]> {
    for (;;) {
      ensureOpen();
      const rows =
        part === undefined
          ? selectAfter.all(after, size)
          : selectPartition.all(after, part[0], part[1], size);
      if (rows.length > 0) yield rows.map((r) => withStoredTexts(toStoredEvent(r), r.data, r.metadata));
      if (rows.length < size) return;
      after = rows[rows.length - 1]!.position;
    }
  }

  // Another thread can open a file (not an in-memory database) and read a part of its log itself.
  const partitions: LogPartitions | undefined =
    file === ':memory:' || file === ''
      ? undefined
      : {
          url: `sqlite:${resolve(file)}`,
          approximateEvents: () => {
            ensureOpen();
            return selectMaxPosition.get() ?? 0;
          },
          read: (count, index) => {
            if (
              !Number.isSafeInteger(count) ||
              count < 1 ||
              !Number.isSafeInteger(index) ||
              index < 0 ||
              index >= count
            )
              throw new Error(`part ${index} of ${count} is not a part of a log`);
            return readPages(0, 5000, [count, index]);
          },
        };

  const eventsAfter = (position: number, limit: number): StoredEvent[] =>
    selectAfter.all(position, limit).map(toStoredEvent);
  const eventsByStream = (
    after: { readonly streamId: string; readonly version: number },
    until: number,
    limit: number,
  ): StoredEvent[] => selectByStream.all(after.streamId, after.version, until, limit).map(toStoredEvent);

  const sqliteStore: SqliteEventStore = {
    description,
    file,
    // File contents beside the database file, in jobledger-files/ (in memory for an in-memory database).
    defaultBlobStore: () =>
      file === ':memory:' || file === ''
        ? memoryBlobStore()
        : filesystemBlobStore({ dir: join(dirname(file), 'jobledger-files') }),
    readModel,
    merkleLeaves: () => sqliteMerkleLeaves(db, ensureOpen),
    leases: leases.port,
    stats: () => ({ transactions, commands, events: storedEvents }),
    settings: () => {
      ensureOpen();
      const levels = ['off', 'normal', 'full', 'extra'] as const;
      return {
        journalMode: db.pragma('journal_mode', { simple: true }) as string,
        synchronous: levels[db.pragma('synchronous', { simple: true }) as number] ?? 'full',
        busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
        schemaVersion: db.pragma('user_version', { simple: true }) as number,
      };
    },
    append:
      (streamId, events, { expected }) =>
      () =>
        enqueue<WrongExpectedVersion>({ kind: 'append', streamId, events, expected }),
    execute:
      <Err>(streamId: string, decider: TransactionalDecider<Err>, options: ExecuteOptions = {}) =>
      () =>
        enqueue<Err>({ kind: 'execute', streamId, decider, fromSnapshot: options.fromSnapshot === true }),
    async *readStream(streamId, options = {}) {
      let from = options.from ?? 0;
      for (;;) {
        ensureOpen();
        const rows = selectStream.all(streamId, from, defaultBatch);
        for (const row of rows) yield toStoredEvent(row);
        if (rows.length < defaultBatch) return;
        from = rows[rows.length - 1]!.version + 1;
      }
    },
    readAll: (options = {}) =>
      pagedEvents(
        () => readPages(parsePosition(options.after), options.batchSize ?? defaultBatch),
        options.after === undefined ? partitions : undefined,
      ),
    async *subscribe(options = {}) {
      let after = parsePosition(options.after);
      const signal = options.signal;
      const stopped = (): boolean => closed || signal?.aborted === true;
      while (!stopped()) {
        const seenCommits = ownCommits;
        const seenDataVersion = selectDataVersion.get()!;
        const rows = selectAfter.all(after, defaultBatch);
        for (const row of rows) {
          if (stopped()) return;
          yield toStoredEvent(row);
          after = row.position;
        }
        if (rows.length === defaultBatch) continue;
        await new Promise<void>((resolve) => {
          if (stopped() || ownCommits !== seenCommits) return resolve();
          if (selectDataVersion.get() !== seenDataVersion) return resolve();
          const waiter: Waiter = {
            dataVersion: seenDataVersion,
            wake: () => {
              waiters.delete(waiter);
              signal?.removeEventListener('abort', waiter.wake);
              stopPollerWhenIdle();
              resolve();
            },
          };
          waiters.add(waiter);
          signal?.addEventListener('abort', waiter.wake, { once: true });
          startPoller();
        });
      }
    },
    rebuildReadModel: (onProgress) =>
      rebuildSqliteReadModel(
        { db, projection, write, ensureOpen, eventsAfter, eventsByStream },
        onProgress,
        rebuildBatchSize,
      ),
    async close() {
      if (closed) return;
      // Commands already accepted are committed before the connection goes.
      flush();
      closed = true;
      wakeAll();
      stopPollerWhenIdle();
      db.close();
    },
  };
  return sqliteStore;
};
