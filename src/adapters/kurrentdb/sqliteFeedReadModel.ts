import { openSqliteDatabase } from '../sqlite/openSqliteDatabase.js';
import { sqliteProjection } from '../sqlite/sqliteProjection.js';
import { sqliteReadModel } from '../sqlite/sqliteReadModel.js';
import { logIdentityRow } from './logIdentity.js';
import type { FeederReadModel } from './projectionFeeder.js';

/** Options of {@link sqliteFeedReadModel}. */
export interface SqliteFeedReadModelOptions {
  /** The SQLite file of the read model (created when missing), or `:memory:`. */
  readonly file: string;
  /** Orders the positions of the store that feeds it (KurrentDB: "commit:prepare"). */
  readonly comparePositions: (a: string, b: string) => number;
  /** `normal` (default): a lost commit after an OS crash is re-applied from the checkpoint. */
  readonly synchronous?: 'full' | 'normal';
  readonly busyTimeoutMs?: number;
}

/** A standalone SQLite read model fed by a subscription, with its own connection. */
export interface SqliteFeedReadModel extends FeederReadModel {
  readonly file: string;
  saveCheckpoint(position: string): Promise<void>;
  logIdentity(): Promise<string | null>;
  saveLogIdentity(identity: string | null): Promise<void>;
  close(): Promise<void>;
}

/**
 * The SQLite read model (the same tables, projection and queries as the SQLite store's, so it answers alike) in
 * a file of its own, for a store that keeps no read model itself (KurrentDB). Its checkpoint is the feeding
 * store's position string, written in the transaction of the rows it covers.
 *
 * @example
 * const readModel = sqliteFeedReadModel({ file: './views.db', comparePositions: store.comparePositions });
 */
export const sqliteFeedReadModel = (options: SqliteFeedReadModelOptions): SqliteFeedReadModel => {
  const { file, comparePositions, synchronous = 'normal', busyTimeoutMs = 5000 } = options;
  const description = `sqlite:${file}`;
  const db = openSqliteDatabase(file, { synchronous, busyTimeoutMs, what: `the read model ${description}` });
  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new Error(`the read model ${description} is closed; open it again`);
  };
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const write = <T>(work: () => T): T => {
    begin.run();
    try {
      const result = work();
      commit.run();
      return result;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      throw error;
    }
  };
  const projection = sqliteProjection(db);
  const readModel = sqliteReadModel({ db, projection, write, ensureOpen, comparePositions });
  const selectIdentity = db.prepare<[string], { position: string | null }>(
    'SELECT position FROM checkpoints WHERE name = ?',
  );
  const upsertIdentity = db.prepare<[string, string | null]>(
    'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
  );
  return {
    ...readModel,
    file,
    async saveCheckpoint(position) {
      ensureOpen();
      write(() => {
        const current = projection.checkpoint();
        if (current === null || comparePositions(position, String(current)) > 0)
          projection.setCheckpoint(position);
      });
    },
    async logIdentity() {
      ensureOpen();
      const row = selectIdentity.get(logIdentityRow);
      return row?.position == null ? null : String(row.position);
    },
    async saveLogIdentity(identity) {
      ensureOpen();
      upsertIdentity.run(logIdentityRow, identity);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
};
