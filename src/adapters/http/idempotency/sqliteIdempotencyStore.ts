import { openSqliteDatabase } from '../../sqlite/openSqliteDatabase.js';
import {
  answerOfRow,
  defaultIdempotencyTtlMs,
  type IdempotencyStore,
  type RememberedAnswer,
  type RememberedAnswerRow,
} from './IdempotencyStore.js';

type Row = RememberedAnswerRow;

/**
 * Answers remembered in the ledger's SQLite file (table `idempotency_answers`, created by its migration step), so
 * a `serve` restart keeps them. Uses its own connection; expired answers are deleted as new ones come.
 *
 * @example
 * const idempotency = sqliteIdempotencyStore('./jobledger.db');
 * const server = createHttpServer({ ledger, tokens, idempotency }); // close idempotency after the server
 */
export const sqliteIdempotencyStore = (file: string, ttlMs = defaultIdempotencyTtlMs): IdempotencyStore => {
  const db = openSqliteDatabase(file, { synchronous: 'full', busyTimeoutMs: 5000, what: `sqlite:${file}` });
  const select = db.prepare<[string, string, number], Row>(
    'SELECT request, status_code, content_type, body, at FROM idempotency_answers WHERE scope = ? AND key = ? AND at >= ?',
  );
  const insert = db.prepare(
    'INSERT OR IGNORE INTO idempotency_answers (scope, key, request, status_code, content_type, body, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const expire = db.prepare('DELETE FROM idempotency_answers WHERE at < ?');
  // The expiry and the insert in one transaction: one commit (one fsync) per remembered answer, not two.
  const rememberOne = db.transaction((scope: string, key: string, answer: RememberedAnswer) => {
    expire.run(answer.at - ttlMs);
    insert.run(scope, key, answer.request, answer.statusCode, answer.contentType, answer.body, answer.at);
  });
  return {
    lookup: async (scope, key, now) => {
      const row = select.get(scope, key, now - ttlMs);
      return row === undefined ? undefined : answerOfRow(row);
    },
    remember: async (scope, key, answer: RememberedAnswer) => rememberOne.immediate(scope, key, answer),
    close: async () => void db.close(),
  };
};
