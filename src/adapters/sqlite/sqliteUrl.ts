/** The options a `sqlite:` store URL carries. */
export interface SqliteUrlOptions {
  readonly file: string;
  readonly synchronous?: 'full' | 'normal';
  readonly busyTimeoutMs?: number;
}

const usage =
  'use sqlite:<file>, e.g. sqlite:./jobledger.db, sqlite:./jobledger.db?synchronous=normal or sqlite::memory:';

/**
 * Reads a SQLite store URL: `sqlite:<file>`, `sqlite:<file>?synchronous=normal|full&busy_timeout=<ms>`, or
 * `sqlite::memory:`. `sqlite://<file>` is accepted too. Throws an Error with a one-line message otherwise.
 *
 * @example
 * parseSqliteUrl('sqlite:./jobledger.db?synchronous=normal'); // { file: './jobledger.db', synchronous: 'normal' }
 */
export const parseSqliteUrl = (url: string): SqliteUrlOptions => {
  if (typeof url !== 'string' || !url.startsWith('sqlite:')) {
    throw new Error(`not a SQLite store URL: ${JSON.stringify(url)}; ${usage}`);
  }
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2);
  const q = rest.indexOf('?');
  const file = q === -1 ? rest : rest.slice(0, q);
  if (file.length === 0) throw new Error(`the SQLite store URL ${url} names no file; ${usage}`);
  let synchronous: 'full' | 'normal' | undefined;
  let busyTimeoutMs: number | undefined;
  for (const [key, value] of new URLSearchParams(q === -1 ? '' : rest.slice(q + 1))) {
    if (key === 'synchronous') {
      const v = value.toLowerCase();
      if (v !== 'full' && v !== 'normal') {
        throw new Error(
          `synchronous=${value} in ${url} is not supported; use synchronous=full or synchronous=normal`,
        );
      }
      synchronous = v;
    } else if (key === 'busy_timeout' || key === 'busyTimeoutMs') {
      const ms = Number(value);
      if (value === '' || !Number.isSafeInteger(ms) || ms < 0) {
        throw new Error(
          `${key}=${value} in ${url} is not a number of milliseconds; use e.g. busy_timeout=5000`,
        );
      }
      busyTimeoutMs = ms;
    } else {
      throw new Error(`unknown option ${key} in ${url}; the options are synchronous and busy_timeout`);
    }
  }
  return {
    file,
    ...(synchronous !== undefined && { synchronous }),
    ...(busyTimeoutMs !== undefined && { busyTimeoutMs }),
  };
};
