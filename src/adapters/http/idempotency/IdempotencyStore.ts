/** The first answer to a command sent with an Idempotency-Key, as the server replays it. */
export interface RememberedAnswer {
  /** The request the key was first used for (`POST /jobs`): a key reused for another request is refused. */
  readonly request: string;
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: string;
  /** When the answer was first given (ms since the epoch). */
  readonly at: number;
}

/** A stored answer's row (SQLite and Postgres keep the same columns; Postgres answers a bigint as text). */
export interface RememberedAnswerRow {
  readonly request: string;
  readonly status_code: number;
  readonly content_type: string;
  readonly body: string;
  readonly at: number | string;
}

/** The answer a stored row holds. @internal */
export const answerOfRow = (row: RememberedAnswerRow): RememberedAnswer => ({
  request: row.request,
  statusCode: row.status_code,
  contentType: row.content_type,
  body: row.body,
  at: Number(row.at),
});

/**
 * Where the server remembers the answers of Idempotency-Keys, per principal (`scope`), for a bounded time.
 * Stored with the ledger (the SQLite file), so a repeat after a restart still gets the first answer.
 */
export interface IdempotencyStore {
  /** The answer remembered for `key` of `scope`, if it is younger than the store's time to live. */
  lookup(scope: string, key: string, now: number): Promise<RememberedAnswer | undefined>;
  /** Remembers the first answer for `key` of `scope` (a later one for the same key is ignored). */
  remember(scope: string, key: string, answer: RememberedAnswer): Promise<void>;
  close(): Promise<void>;
}

/** How long answers are remembered by default: a day, far beyond any client's retries. */
export const defaultIdempotencyTtlMs = 24 * 60 * 60 * 1000;
