import type { Migration } from './migrations.js';

/**
 * The step that adds the server's remembered answers of Idempotency-Keys (see `sqliteIdempotencyStore`): one row
 * per (principal, key), the first answer, and when it was given, so expired ones can go.
 */
export const idempotencyMigration: Migration = {
  version: 4,
  description: 'idempotency_answers: the first answer of each Idempotency-Key per principal',
  sql: `
    CREATE TABLE IF NOT EXISTS idempotency_answers (
      scope        TEXT    NOT NULL,
      key          TEXT    NOT NULL,
      request      TEXT    NOT NULL,
      status_code  INTEGER NOT NULL,
      content_type TEXT    NOT NULL,
      body         TEXT    NOT NULL,
      at           INTEGER NOT NULL,
      PRIMARY KEY (scope, key)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS idempotency_answers_at ON idempotency_answers (at);
  `,
};
