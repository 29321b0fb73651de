import pg from 'pg';
import { migratePostgres, postgresNames } from '../../postgres/migrations.js';
import { checkSchemaName, parsePostgresUrl } from '../../postgres/postgresUrl.js';
import {
  answerOfRow,
  defaultIdempotencyTtlMs,
  type IdempotencyStore,
  type RememberedAnswerRow,
} from './IdempotencyStore.js';

type Row = RememberedAnswerRow;

/**
 * Answers remembered in the ledger's Postgres schema (table `idempotency_answers`, created by its migration step),
 * shared by every `serve` instance on that schema and kept across restarts. One host only: a URL naming several
 * hosts uses the first.
 *
 * @example
 * const idempotency = postgresIdempotencyStore('postgres://app@db:5432/prod?schema=jobledger');
 * const server = createHttpServer({ ledger, tokens, idempotency }); // every instance on the schema shares it
 */
export const postgresIdempotencyStore = (url: string, ttlMs = defaultIdempotencyTtlMs): IdempotencyStore => {
  const options = parsePostgresUrl(url);
  const names = postgresNames(checkSchemaName(options.schema ?? 'jobledger'));
  const pool = new pg.Pool({ connectionString: options.url.replace(/@([^/,]+),[^/]+\//, '@$1/'), max: 2 });
  let ready: Promise<number> | undefined;
  const table = names.q('idempotency_answers');
  const migrated = () => (ready ??= migratePostgres(pool, names));
  let sinceSweep = 0;
  return {
    lookup: async (scope, key, now) => {
      await migrated();
      const r = await pool.query<Row>(
        `SELECT request, status_code, content_type, body, at FROM ${table} WHERE scope = $1 AND key = $2 AND at >= $3`,
        [scope, key, now - ttlMs],
      );
      const row = r.rows[0];
      return row === undefined ? undefined : answerOfRow(row);
    },
    remember: async (scope, key, answer) => {
      await migrated();
      // Expired answers go now and then, not on every command.
      if (++sinceSweep >= 1000) {
        sinceSweep = 0;
        await pool.query(`DELETE FROM ${table} WHERE at < $1`, [answer.at - ttlMs]);
      }
      await pool.query(
        `INSERT INTO ${table} (scope, key, request, status_code, content_type, body, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (scope, key) DO NOTHING`,
        [scope, key, answer.request, answer.statusCode, answer.contentType, answer.body, answer.at],
      );
    },
    close: () => pool.end(),
  };
};
