import { dirname, join } from 'node:path';
import type { BlobStore, WithDefaultBlobStore } from '../../app/BlobStore.js';
import { filesystemBlobStore } from '../blobs/filesystemBlobStore.js';
import { catchUpProjections } from '../../projections/projectionRunner.js';
import type {
  ProjectedEventStore,
  ProjectionProgress,
  ReadModelStore,
} from '../../projections/ReadModelStore.js';
import { parsePostgresUrl, postgresEventStore } from '../postgres/postgresEventStore.js';
import { parseSqliteUrl } from '../sqlite/sqliteUrl.js';
import { kurrentdbEventStore, type KurrentdbEventStore } from './kurrentdbEventStore.js';
import { parseKurrentdbUrl } from './kurrentdbUrl.js';
import { checkFeedCheckpoint, type IdentifiedReadModel } from './logIdentity.js';
import { postgresLogIdentity } from './postgresLogIdentity.js';
import { projectionFeeder, type FeederReadModel, type ProjectionFeeder } from './projectionFeeder.js';
import { sqliteFeedReadModel } from './sqliteFeedReadModel.js';

/** Options of {@link openKurrentStore}. */
export interface OpenKurrentStoreOptions {
  /** How long a read-model query waits for this process's own last append to be projected (default 5000 ms). */
  readonly readYourWritesTimeoutMs?: number;
  /** Told when the feeding subscription fails (it resubscribes from the checkpoint). Default: a stderr line. */
  readonly onFeederError?: (error: unknown) => void;
  /** Pause before the feeder resubscribes after a failure (default 1000 ms). */
  readonly retryDelayMs?: number;
  /**
   * Told when the read model's checkpoint belongs to another log (the server was reset or replaced) and the read
   * model is rebuilt from the log's start. Default: a stderr line.
   */
  readonly onReadModelReset?: (reason: string) => void;
}

/**
 * The KurrentDB store with its SQL read model and the feeder that keeps it up to date. File contents default to
 * `jobledger-files/` beside a SQLite projections file, or to the Postgres projection schema; without
 * `projections`, the ledger needs `files` (a blob store).
 */
export interface KurrentProjectedStore extends ProjectedEventStore, Partial<WithDefaultBlobStore> {
  readonly events: KurrentdbEventStore;
  readonly feeder: ProjectionFeeder;
}

/**
 * Opens `kurrentdb://host:2113?tls=false[&projections=sqlite:./views.db | &projections=postgres://…]`: the
 * KurrentDB event store, and a SQL read model (a SQLite file, a Postgres schema, or SQLite in memory rebuilt
 * from `$all` on every start when no `projections` is given) fed by a
 * catch-up subscription from its checkpoint. Read-model queries first wait until this process's own last
 * append is projected, so a command followed by a listing sees its result.
 *
 * Throws an Error with a one-line message for a URL it cannot open.
 */
export const openKurrentStore = (
  url: string,
  options: OpenKurrentStoreOptions = {},
): KurrentProjectedStore => {
  const parsed = parseKurrentdbUrl(url);
  const { readYourWritesTimeoutMs = 5000, retryDelayMs = 1000 } = options;
  const onFeederError =
    options.onFeederError ??
    ((error: unknown) =>
      process.stderr.write(
        `jobledger: the read-model subscription to ${parsed.description} failed (${error instanceof Error ? error.message : String(error)}); resubscribing\n`,
      ));
  const onReadModelReset =
    options.onReadModelReset ??
    ((why: string) =>
      process.stderr.write(
        `jobledger: the read model of ${parsed.description} is rebuilt from the start of the log: ${why}\n`,
      ));
  // parseKurrentdbUrl refuses a projections URL that is neither sqlite: nor postgres://.
  const projections = parsed.projections;
  const projectionsFile =
    projections?.startsWith('sqlite:') === true ? parseSqliteUrl(projections).file : ':memory:';
  const store = kurrentdbEventStore({
    connectionString: parsed.connectionString,
    description: parsed.description,
  });
  let readModel: FeederReadModel & IdentifiedReadModel & { close(): Promise<void> };
  let files: (() => BlobStore) | undefined;
  try {
    if (projections?.startsWith('sqlite:') === false) {
      // A Postgres schema of its own: the same tables and queries as the Postgres store's, fed from here.
      const sqlUrl = parsePostgresUrl(projections);
      const sql = postgresEventStore({ ...sqlUrl, feedPositions: store.comparePositions });
      const identity = postgresLogIdentity({ ...sqlUrl, schema: sql.schema });
      readModel = {
        ...sql.readModel,
        logIdentity: identity.get,
        saveLogIdentity: identity.save,
        close: async () => {
          await identity.close();
          await sql.close();
        },
      };
      files = () => sql.defaultBlobStore();
    } else {
      const sqlite = sqliteFeedReadModel({ file: projectionsFile, comparePositions: store.comparePositions });
      readModel = sqlite;
      if (projectionsFile !== ':memory:')
        files = () => filesystemBlobStore({ dir: join(dirname(projectionsFile), 'jobledger-files') });
    }
  } catch (error) {
    void store.close();
    throw error;
  }
  const feeder = projectionFeeder({ readModel, comparePositions: store.comparePositions });

  let controller = new AbortController();
  let running: Promise<void> = Promise.resolve();
  const start = (): void => {
    controller = new AbortController();
    running = feeder.run(
      (after, signal) => store.subscribeItems({ ...(after !== undefined && { after }), signal }),
      {
        signal: controller.signal,
        retryDelayMs,
        onError: onFeederError,
        // A checkpoint of another log (the server was reset) would skip live events or fail forever.
        beforeSubscribe: async () => {
          await checkFeedCheckpoint(
            readModel,
            () => store.logBounds(),
            store.comparePositions,
            onReadModelReset,
          );
        },
      },
    );
  };
  const stop = async (): Promise<void> => {
    controller.abort();
    await running;
  };
  start();

  const caughtUp = async (): Promise<void> => {
    const mine = store.lastAppendedPosition();
    if (mine !== undefined) await feeder.waitForPosition(mine, { timeoutMs: readYourWritesTimeoutMs });
  };
  const projected: ReadModelStore = {
    getJob: async (jobId) => (await caughtUp(), readModel.getJob(jobId)),
    listJobs: async (query, viewer) => (await caughtUp(), readModel.listJobs(query, viewer)),
    claimCandidates: async (agent, functionIds, limit) => (
      await caughtUp(),
      readModel.claimCandidates(agent, functionIds, limit)
    ),
    expiredLeases: async (now, limit) => (await caughtUp(), readModel.expiredLeases(now, limit)),
    apply: (events) => readModel.apply(events),
    checkpoint: () => readModel.checkpoint(),
    reset: () => readModel.reset(),
    dump: async () => (await caughtUp(), readModel.dump()),
  };

  return {
    description: store.description,
    events: store,
    feeder,
    readModel: projected,
    append: (streamId, events, appendOptions) => store.append(streamId, events, appendOptions),
    readStream: (streamId, readOptions) => store.readStream(streamId, readOptions),
    readAll: (readOptions) => store.readAll(readOptions),
    subscribe: (subscribeOptions) => store.subscribe(subscribeOptions),
    async rebuildReadModel(onProgress?: (p: ProjectionProgress) => void) {
      await stop();
      try {
        await readModel.reset();
        return await catchUpProjections(store, readModel, { ...(onProgress && { onProgress }) });
      } finally {
        start();
      }
    },
    ...(files !== undefined && { defaultBlobStore: files }),
    async close() {
      await stop();
      await store.close();
      await readModel.close();
    },
  };
};
