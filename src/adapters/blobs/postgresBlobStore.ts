import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { JobError } from '../../domain/errors.js';
import type { BlobStore } from '../../app/BlobStore.js';
import { postgresConnections } from '../postgres/postgresConnections.js';
import { checkSchemaName, redactPostgresUrl, type PostgresTargetSession } from '../postgres/postgresUrl.js';
import { meteredContent, putFailure } from './meteredContent.js';

/** Options of {@link postgresBlobStore}. */
export interface PostgresBlobStoreOptions {
  /** A `postgres://` connection string for `pg`; it may name several hosts (see `PostgresEventStoreOptions.url`). */
  readonly url: string;
  /** The schema of its two tables, `jobledger_blobs` and `jobledger_blob_chunks` (default `jobledger`). */
  readonly schema?: string;
  /** Connections in its own pool (default 4). */
  readonly poolSize?: number;
  /** Bytes per stored chunk (default 1 MiB). */
  readonly chunkBytes?: number;
  /** As the event store's option of that name: how long reads wait for a writable host after a failover. */
  readonly failoverTimeoutMs?: number;
  readonly targetSessionAttrs?: PostgresTargetSession;
}

/** A {@link BlobStore} in Postgres, with its schema (tests alter rows behind its back). */
export interface PostgresBlobStore extends BlobStore {
  readonly schema: string;
  /** The quoted, schema-qualified table names. */
  readonly tables: { readonly blobs: string; readonly chunks: string };
}

/**
 * A blob store in Postgres, for ledgers on Postgres: content in 1 MiB `bytea` chunks in
 * `<schema>.jobledger_blob_chunks`, one row per content in `<schema>.jobledger_blobs`. A put writes its chunks
 * under a temporary key in one transaction and publishes them under the sha256 only if no other writer did
 * (the same content is stored once; a failed put leaves nothing). Reads stream a few chunks at a time. Put it
 * behind `cachedBlobStore` to keep recently read files on local disk.
 *
 * @example
 * const files = postgresBlobStore({ url: 'postgres://app@db:5432/prod', schema: 'jobs' });
 * const ledger = createJobLedger({ store: openStore('postgres://app@db:5432/prod?schema=jobs'), files });
 */
export const postgresBlobStore = (options: PostgresBlobStoreOptions): PostgresBlobStore => {
  const schema = checkSchemaName(options.schema ?? 'jobledger');
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const description = `${redactPostgresUrl(options.url)} (schema ${schema}, blobs)`;
  const connections = postgresConnections({
    url: options.url,
    config: {},
    poolSize: options.poolSize ?? 4,
    description,
    ...(options.failoverTimeoutMs !== undefined && { failoverTimeoutMs: options.failoverTimeoutMs }),
    ...(options.targetSessionAttrs !== undefined && { targetSessionAttrs: options.targetSessionAttrs }),
  });
  const pool = connections.pool;
  pool.on('error', () => undefined);
  const q = (name: string) => `"${schema}"."${name}"`;
  const tables = { blobs: q('jobledger_blobs'), chunks: q('jobledger_blob_chunks') };
  let closed = false;
  let ready: Promise<void> | undefined;

  const migrate = (again = true): Promise<void> => {
    ready ??= createTables().catch((error: unknown) => {
      ready = undefined;
      // A concurrent CREATE SCHEMA of the event store (another lock) may win the race: once more.
      const code = (error as { code?: string }).code;
      if (again && (code === '23505' || code === '42P06')) return migrate(false);
      throw error;
    });
    return ready;
  };

  const createTables = (): Promise<void> =>
    (async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`jobledger blobs ${schema}`]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${tables.blobs} (
          sha256 text PRIMARY KEY, size bigint NOT NULL, created timestamptz NOT NULL DEFAULT now())`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${tables.chunks} (
          blob_key text NOT NULL, seq integer NOT NULL, data bytea NOT NULL, PRIMARY KEY (blob_key, seq))`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    })();

  const closedError = () =>
    JobError.store(`the blob store ${description} is closed; create the ledger again`);
  const readError = (sha256: string) => (cause: unknown) =>
    JobError.store(
      `reading ${sha256} from ${description} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    );

  /** Streams the chunks of one stored blob, four at a time. */
  async function* chunksOf(sha256: string): AsyncGenerator<Buffer> {
    let seq = 0;
    for (;;) {
      const r = await pool.query<{ seq: number; data: Buffer }>(
        `SELECT seq, data FROM ${tables.chunks} WHERE blob_key = $1 AND seq >= $2 ORDER BY seq LIMIT 4`,
        [sha256, seq],
      );
      for (const row of r.rows) yield row.data;
      if (r.rows.length < 4) return;
      seq = r.rows[r.rows.length - 1]!.seq + 1;
    }
  }

  return {
    description,
    schema,
    tables,
    put: (content, { maxBytes }) =>
      closed
        ? TE.left(closedError())
        : TE.tryCatch(async () => {
            await migrate();
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              const key = `tmp:${randomUUID()}`;
              const hash = createHash('sha256');
              let size = 0;
              let seq = 0;
              let pending: Buffer[] = [];
              let pendingBytes = 0;
              const flush = async () => {
                if (pendingBytes === 0) return;
                await client.query(`INSERT INTO ${tables.chunks} (blob_key, seq, data) VALUES ($1, $2, $3)`, [
                  key,
                  seq++,
                  Buffer.concat(pending, pendingBytes),
                ]);
                pending = [];
                pendingBytes = 0;
              };
              for await (const chunk of meteredContent(content, maxBytes, hash)) {
                size += chunk.byteLength;
                let view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
                while (view.byteLength > 0) {
                  const take = Math.min(view.byteLength, chunkBytes - pendingBytes);
                  // Copied: a caller may reuse its buffer after the chunk was handed over.
                  pending.push(Buffer.from(view.subarray(0, take)));
                  pendingBytes += take;
                  view = view.subarray(take);
                  if (pendingBytes === chunkBytes) await flush();
                }
              }
              await flush();
              const sha256 = hash.digest('hex');
              // Waits for a concurrent writer of the same content; only one of them publishes it.
              const inserted = await client.query(
                `INSERT INTO ${tables.blobs} (sha256, size) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING RETURNING sha256`,
                [sha256, size],
              );
              if (inserted.rowCount === 0) {
                await client.query('ROLLBACK');
                return { sha256, size, created: false };
              }
              await client.query(`UPDATE ${tables.chunks} SET blob_key = $1 WHERE blob_key = $2`, [
                sha256,
                key,
              ]);
              await client.query('COMMIT');
              return { sha256, size, created: true };
            } catch (error) {
              await client.query('ROLLBACK').catch(() => undefined);
              throw error;
            } finally {
              client.release();
            }
          }, putFailure(description)),
    open: (sha256) =>
      closed
        ? TE.left(closedError())
        : TE.tryCatch(async () => {
            await migrate();
            const r = await pool.query(`SELECT 1 FROM ${tables.blobs} WHERE sha256 = $1`, [sha256]);
            if (r.rowCount === 0) return null;
            return Readable.from(chunksOf(sha256), { objectMode: false });
          }, readError(sha256)),
    close: async () => {
      if (closed) return;
      closed = true;
      await connections.end();
    },
  };
};
