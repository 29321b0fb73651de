import { joinPostgresHosts, splitPostgresHosts } from './postgresHosts.js';

/** What a connection must be to serve the store (libpq's `target_session_attrs`, the values a writer can use). */
export type PostgresTargetSession = 'read-write' | 'primary';

/** The options a `postgres://` store URL carries, besides the connection itself. */
export interface PostgresUrlOptions {
  /**
   * The connection string without the options below (and with the password, if any): what `pg` is given, or,
   * when it names several hosts, what the store gives `pg` one host at a time.
   */
  readonly url: string;
  readonly schema?: string;
  readonly poolSize?: number;
  readonly statementTimeoutMs?: number;
  readonly applicationName?: string;
  /** `target_session_attrs`: how a writable host is recognised (see `PostgresEventStoreOptions`). */
  readonly targetSessionAttrs?: PostgresTargetSession;
  /** `failover_timeout` (also spelled `failoverTimeoutMs`), milliseconds. */
  readonly failoverTimeoutMs?: number;
}

const usage =
  'use postgres://user[:password]@host[:port][,host2[:port]…]/database[?schema=jobledger&pool_size=10&statement_timeout=30000&application_name=jobledger&target_session_attrs=read-write&failover_timeout=30000]';

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
 * Several hosts (`postgres://app@db1:5432,db2:5432/prod?target_session_attrs=read-write`) name a primary and
 * its standbys: the store writes to whichever is writable and follows it through a failover, waiting up to
 * `failover_timeout` milliseconds (default 30000; `failoverTimeoutMs` is the same parameter). Given with one
 * host, `failover_timeout` makes the store wait for that host the same way (a DNS name that moves, as on RDS
 * Multi-AZ). `target_session_attrs` may be `read-write` (the default with several hosts) or `primary`.
 *
 * @example
 * parsePostgresUrl('postgres://app@db:5432/prod?schema=jobs&pool_size=20');
 * // { url: 'postgres://app@db:5432/prod', schema: 'jobs', poolSize: 20 }
 * parsePostgresUrl('postgres://app@db1,db2/prod?target_session_attrs=read-write&failover_timeout=10000');
 * // { url: 'postgres://app@db1:5432,db2:5432/prod', targetSessionAttrs: 'read-write', failoverTimeoutMs: 10000 }
 */
export const parsePostgresUrl = (url: string): PostgresUrlOptions => {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`not a Postgres store URL: ${JSON.stringify(redactPostgresUrl(String(url)))}; ${usage}`);
  }
  // Several hosts are not a WHATWG URL: read the rest of the URL with the first host, put the list back at the end.
  const { hosts, urlFor } = splitPostgresHosts(url);
  let parsed: URL;
  try {
    parsed = new URL(urlFor(hosts[0]!));
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
  let targetSessionAttrs: PostgresTargetSession | undefined;
  let failoverTimeoutMs: number | undefined;
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
    else if (key === 'failover_timeout' || key === 'failoverTimeoutMs')
      failoverTimeoutMs = positiveInteger(url, key, value, 1, '30000');
    else if (key === 'target_session_attrs') {
      if (value !== 'read-write' && value !== 'primary') {
        throw new Error(
          `target_session_attrs=${value} in ${redactPostgresUrl(url)} is not usable: the store writes, so it needs a writable host; use target_session_attrs=read-write (or primary)`,
        );
      }
      targetSessionAttrs = value;
    } else continue;
    parsed.searchParams.delete(key);
  }
  return {
    url: joinPostgresHosts(parsed.toString(), hosts),
    ...(schema !== undefined && { schema }),
    ...(poolSize !== undefined && { poolSize }),
    ...(statementTimeoutMs !== undefined && { statementTimeoutMs }),
    ...(applicationName !== undefined && { applicationName }),
    ...(targetSessionAttrs !== undefined && { targetSessionAttrs }),
    ...(failoverTimeoutMs !== undefined && { failoverTimeoutMs }),
  };
};
