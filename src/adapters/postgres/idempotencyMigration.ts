import type { PostgresMigration } from './migrations.js';

/**
 * The step that adds the server's remembered answers of Idempotency-Keys (see `postgresIdempotencyStore`): one row
 * per (principal, key) with the first answer, shared by every `serve` instance on the schema.
 */
export const postgresIdempotencyMigration: PostgresMigration = {
  version: 5,
  description: 'idempotency_answers: the first answer of each Idempotency-Key per principal',
  sql: ({ q }) => `
    CREATE TABLE IF NOT EXISTS ${q('idempotency_answers')} (
      scope        text    NOT NULL,
      key          text    NOT NULL,
      request      text    NOT NULL,
      status_code  integer NOT NULL,
      content_type text    NOT NULL,
      body         text    NOT NULL,
      at           bigint  NOT NULL,
      PRIMARY KEY (scope, key)
    );
    CREATE INDEX IF NOT EXISTS idempotency_answers_at ON ${q('idempotency_answers')} (at);
  `,
};
