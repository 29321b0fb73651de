/** The options a `postgres://` store URL carries, besides the connection itself. */
export interface PostgresUrlOptions {
  /** The connection string handed to `pg`, without the options below (and with the password, if any). */
  readonly url: string;
  readonly schema?: string;
  readonly poolSize?: number;
  readonly statementTimeoutMs?: number;
  readonly applicationName?: string;
}

const usage =
  'use postgres://user[:password]@host[:port]/database[?schema=jobledger&pool_size=10&statement_timeout=30000&application_name=jobledger]';

/** Schema names are interpolated into SQL (quoted): keep them to plain identifiers. */
export const schemaNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,55}$/;

const positiveInteger = (url: string, key: string, value: string, min: number, example: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new Error(`${key}=${value} in ${redactPostgresUrl(url)} is not valid; use e.g. ${key}=${example}`);
  }
  return n;
};

/** The URL without its password, for messages and `store.description`. */
export const redactPostgresUrl = (url: string): string => url.replace(/^(\w+:\/\/[^:/@]*):[^@/]*@/, '$1@');

/** Checks a schema name; throws an Error with a one-line message for one jobledger cannot use. */
export const checkSchemaName = (schema: string): string => {
  if (!schemaNamePattern.test(schema)) {
    throw new Error(
      `schema ${JSON.stringify(schema)} is not usable: use letters, digits and _ (not first), at most 56 characters`,
    );
  }
  return schema;
};

/**
 * Reads a Postgres store URL: a libpq-style `postgres://` or `postgresql://` connection string, plus the
 * jobledger options `schema`, `pool_size`, `statement_timeout` (milliseconds) and `application_name` as query
 * parameters. Other query parameters (`sslmode`, ...) stay in `url` for `pg`. Throws an Error with a one-line
 * message for a URL it cannot use.
 *
 * @example
 * parsePostgresUrl('postgres://app@db:5432/prod?schema=jobs&pool_size=20');
 * // { url: 'postgres://app@db:5432/prod', schema: 'jobs', poolSize: 20 }
 */
export const parsePostgresUrl = (url: string): PostgresUrlOptions => {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`not a Postgres store URL: ${JSON.stringify(redactPostgresUrl(String(url)))}; ${usage}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new Error(`cannot read the Postgres store URL ${redactPostgresUrl(url)}; ${usage}`, {
      cause: error,
    });
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    throw new Error(`the Postgres store URL ${redactPostgresUrl(url)} names no host; ${usage}`);
  }
  let schema: string | undefined;
  let poolSize: number | undefined;
  let statementTimeoutMs: number | undefined;
  let applicationName: string | undefined;
  for (const [key, value] of [...parsed.searchParams]) {
    if (key === 'schema') {
      try {
        schema = checkSchemaName(value);
      } catch (error) {
        throw new Error(`${(error as Error).message} (in ${redactPostgresUrl(url)})`, { cause: error });
      }
    } else if (key === 'pool_size') poolSize = positiveInteger(url, key, value, 1, '10');
    else if (key === 'statement_timeout') statementTimeoutMs = positiveInteger(url, key, value, 0, '30000');
    else if (key === 'application_name') applicationName = value;
    else continue;
    parsed.searchParams.delete(key);
  }
  return {
    url: parsed.toString(),
    ...(schema !== undefined && { schema }),
    ...(poolSize !== undefined && { poolSize }),
    ...(statementTimeoutMs !== undefined && { statementTimeoutMs }),
    ...(applicationName !== undefined && { applicationName }),
  };
};
