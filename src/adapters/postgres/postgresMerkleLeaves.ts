import type pg from 'pg';
import type { MerkleLeafStore } from '../../projections/MerkleLeafStore.js';
import type { PostgresNames } from './migrations.js';

/**
 * The Merkle tree's leaves in the store's schema (tables `merkle_leaves` and `merkle_head`, schema step 4).
 * Keeping a batch is one statement; leaves another process kept already are left alone.
 */
export const postgresMerkleLeaves = (deps: {
  readonly pool: pg.Pool;
  readonly q: PostgresNames['q'];
  /** Resolves once the schema is migrated. */
  readonly ready: () => Promise<void>;
}): MerkleLeafStore => {
  const { pool, q, ready } = deps;
  return {
    load: async () => {
      await ready();
      const head = await pool.query<{ size: string; position: string | null }>(
        `SELECT size::text, position FROM ${q('merkle_head')} WHERE id = 1`,
      );
      const h = head.rows[0];
      if (h === undefined) return { leaves: [], position: null };
      const rows = await pool.query<{ stream_id: string; version: number; leaf_hash: Buffer }>(
        `SELECT stream_id, version, leaf_hash FROM ${q('merkle_leaves')} WHERE leaf_index < $1 ORDER BY leaf_index`,
        [h.size],
      );
      // A gap (rows lost) makes the kept leaves useless: start over from the log.
      if (rows.rows.length !== Number(h.size)) return { leaves: [], position: null };
      return {
        leaves: rows.rows.map((r) => ({ streamId: r.stream_id, version: r.version, leafHash: r.leaf_hash })),
        position: h.position,
      };
    },
    append: async (from, leaves, position) => {
      if (leaves.length === 0) return;
      await ready();
      await pool.query(
        `WITH kept AS (
           INSERT INTO ${q('merkle_leaves')} (leaf_index, stream_id, version, leaf_hash)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::bytea[])
             ON CONFLICT (leaf_index) DO NOTHING
         )
         INSERT INTO ${q('merkle_head')} (id, size, position) VALUES (1, $5, $6)
           ON CONFLICT (id) DO UPDATE SET size = excluded.size, position = excluded.position
           WHERE excluded.size > ${q('merkle_head')}.size`,
        [
          leaves.map((_, i) => from + i),
          leaves.map((l) => l.streamId),
          leaves.map((l) => l.version),
          leaves.map((l) => Buffer.from(l.leafHash)),
          from + leaves.length,
          position,
        ],
      );
    },
    reset: async () => {
      await ready();
      await pool.query(`DELETE FROM ${q('merkle_leaves')}; DELETE FROM ${q('merkle_head')};`);
    },
  };
};
