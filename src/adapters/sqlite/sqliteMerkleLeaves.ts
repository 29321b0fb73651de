import type BetterSqlite3 from 'better-sqlite3';
import type { MerkleLeafStore, StoredLeaf } from '../../projections/MerkleLeafStore.js';

/**
 * The Merkle tree's leaves in the store's own SQLite file (tables `merkle_leaves` and `merkle_head`, schema
 * step 3), on the store's connection. Rows of leaves another process kept already are left alone.
 */
export const sqliteMerkleLeaves = (db: BetterSqlite3.Database, ensureOpen: () => void): MerkleLeafStore => {
  const insert = db.prepare(
    'INSERT OR IGNORE INTO merkle_leaves (leaf_index, stream_id, version, leaf_hash) VALUES (?, ?, ?, ?)',
  );
  const head = db.prepare(
    `INSERT INTO merkle_head (id, size, position) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET size = excluded.size, position = excluded.position
       WHERE excluded.size > merkle_head.size`,
  );
  const append = db.transaction((from: number, leaves: readonly StoredLeaf[], position: string) => {
    leaves.forEach((l, i) => insert.run(from + i, l.streamId, l.version, Buffer.from(l.leafHash)));
    head.run(from + leaves.length, position);
  });
  return {
    load: async () => {
      ensureOpen();
      const h = db.prepare('SELECT size, position FROM merkle_head WHERE id = 1').get() as
        { size: number; position: string | null } | undefined;
      if (h === undefined) return { leaves: [], position: null };
      const rows = db
        .prepare(
          'SELECT stream_id, version, leaf_hash FROM merkle_leaves WHERE leaf_index < ? ORDER BY leaf_index',
        )
        .all(h.size) as { stream_id: string; version: number; leaf_hash: Buffer }[];
      // A gap (rows lost) makes the kept leaves useless: start over from the log.
      if (rows.length !== h.size) return { leaves: [], position: null };
      return {
        leaves: rows.map((r) => ({ streamId: r.stream_id, version: r.version, leafHash: r.leaf_hash })),
        position: h.position,
      };
    },
    append: async (from, leaves, position) => {
      ensureOpen();
      if (leaves.length > 0) append(from, leaves, position);
    },
    reset: async () => {
      ensureOpen();
      db.exec('DELETE FROM merkle_leaves; DELETE FROM merkle_head;');
    },
  };
};
