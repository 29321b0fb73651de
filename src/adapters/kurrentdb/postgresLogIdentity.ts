import { postgresConnections } from '../postgres/postgresConnections.js';
import { checkSchemaName, redactPostgresUrl, type PostgresUrlOptions } from '../postgres/postgresUrl.js';
import { logIdentityRow } from './logIdentity.js';

/**
 * Where a Postgres read model fed from KurrentDB keeps the identity of the log it was fed from: a row of its
 * schema's checkpoints table beside the checkpoint (no schema change), on one connection of its own.
 *
 * @example
 * const identity = postgresLogIdentity(parsePostgresUrl('postgres://app@db/views?schema=views'));
 * await identity.save('120:120/7c1e…');
 */
export const postgresLogIdentity = (options: PostgresUrlOptions) => {
  const table = `"${checkSchemaName(options.schema ?? 'jobledger')}"."checkpoints"`;
  const connections = postgresConnections({
    url: options.url,
    config: { application_name: options.applicationName ?? 'jobledger' },
    poolSize: 1,
    description: redactPostgresUrl(options.url),
    ...(options.failoverTimeoutMs !== undefined && { failoverTimeoutMs: options.failoverTimeoutMs }),
    ...(options.targetSessionAttrs !== undefined && { targetSessionAttrs: options.targetSessionAttrs }),
  });
  const pool = connections.pool;
  pool.on('error', () => undefined);
  return {
    /** The identity recorded, or null. The table exists once the read model has been used (migrated). */
    async get(): Promise<string | null> {
      const r = await pool.query<{ position: string | null }>(
        `SELECT position FROM ${table} WHERE name = $1`,
        [logIdentityRow],
      );
      return r.rows[0]?.position ?? null;
    },
    async save(identity: string | null): Promise<void> {
      await pool.query(
        `INSERT INTO ${table} (name, position, live) VALUES ($1, $2, false)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
        [logIdentityRow, identity],
      );
    },
    close: (): Promise<void> => connections.end(),
  };
};
