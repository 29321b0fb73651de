import pg from 'pg';
import { isConnectionLoss } from './connectionLoss.js';
import { splitPostgresHosts } from './postgresHosts.js';
import type { PostgresTargetSession } from './postgresUrl.js';
import { writableHost } from './writableHost.js';

/** Default of `failoverTimeoutMs`: how long commands wait for a writable host after losing the connection. */
export const defaultFailoverTimeoutMs = 30_000;

/** Options of {@link postgresConnections}. */
export interface PostgresConnectionsOptions {
  /** A `postgres://` URL; with several hosts (`h1:p1,h2:p2`), the store follows the writable one. */
  readonly url: string;
  /** What every connection gets besides its host (application name, options, statement timeout). */
  readonly config: Omit<pg.ClientConfig, 'connectionString'>;
  /** Connections in the pool. */
  readonly poolSize: number;
  /** For messages: the URL without its password. */
  readonly description: string;
  /** How a writable host is recognised (default `read-write`). */
  readonly targetSessionAttrs?: PostgresTargetSession;
  /**
   * How long to wait for a writable host after losing the connection (default 30 s). Given, or with several
   * hosts in `url`, the connections follow a failover; otherwise (one host, no timeout) they behave as a plain
   * `pg.Pool`: an error is answered at once.
   */
  readonly failoverTimeoutMs?: number;
}

const plainQuery = pg.Pool.prototype.query as (this: pg.Pool, ...args: unknown[]) => unknown;
const plainConnect = pg.Pool.prototype.connect as (this: pg.Pool, ...args: unknown[]) => unknown;

/**
 * A `pg.Pool` whose reads wait through a failover. `query` and `connect` (promise forms) retry on a lost
 * connection once a writable host is found again, up to the failover timeout; `queryOnce` never retries, for a
 * write whose outcome the caller must settle itself ({@link PostgresConnections.settle}). Without failover all
 * three are `pg.Pool`'s own.
 */
export class PostgresPool extends pg.Pool {
  /** Set by {@link postgresConnections}: runs `work` again after a failover (or just once). */
  retry: <T>(work: () => Promise<T>) => Promise<T> = (work) => work();

  /** A statement sent once: a lost connection is the caller's to settle (was it committed?). */
  queryOnce<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    return plainQuery.call(this, config) as Promise<pg.QueryResult<R>>;
  }

  static {
    // query and connect keep pg's typings (many overloads) and change only their promise forms; the callback
    // and stream forms pass through (pg-pool's own query calls connect with a callback).
    Object.assign(PostgresPool.prototype, {
      query(this: PostgresPool, ...args: unknown[]): unknown {
        const last = args[args.length - 1];
        const stream = typeof (args[0] as { submit?: unknown } | undefined)?.submit === 'function';
        if (args.length === 0 || typeof last === 'function' || stream) return plainQuery.apply(this, args);
        return this.retry(() => plainQuery.apply(this, args) as Promise<unknown>);
      },
      connect(this: PostgresPool, ...args: unknown[]): unknown {
        if (args.length > 0) return plainConnect.apply(this, args);
        return this.retry(() => plainConnect.apply(this, []) as Promise<unknown>);
      },
    });
  }
}

/** The connections of one store object: the pool, the LISTEN connections, and how writes survive a failover. */
export interface PostgresConnections {
  readonly pool: PostgresPool;
  /** True when the connections follow a failover (several hosts, or a failover timeout given). */
  readonly failover: boolean;
  /** A new, unconnected client to the current writable host (for LISTEN); the caller connects and ends it. */
  newClient(): pg.Client;
  /** Checks a client made by `newClient` after it connected: throws unless its host takes writes (failover only). */
  checkWritable(client: pg.ClientBase): Promise<void>;
  /**
   * Runs a write whose commit outcome is unknown when its connection is lost (no reply to COMMIT): after a lost
   * connection it waits for a writable host, asks `landed` whether the write is there (the caller reads its own
   * event ids back), and answers that if so; otherwise it runs `attempt` again. After such a retry, an answer
   * that `accepted` refuses (the stream moved on: perhaps by this very write) is checked with `landed` once more.
   * Past the failover timeout it rejects with an Error saying the failover did not finish. Without failover it
   * is just `attempt()`.
   */
  settle<T>(write: {
    readonly attempt: () => Promise<T>;
    readonly landed: () => Promise<T | undefined>;
    readonly accepted?: (result: T) => boolean;
  }): Promise<T>;
  /** Stops waiting for failovers (waiting calls reject) and ends the pool. */
  end(): Promise<void>;
}

/**
 * A connection that dies while checked out (a server killed under a transaction) emits 'error' as well as failing
 * its query; pg-pool listens only to idle ones, so the event would end the process. The query's error is the one
 * that counts: the event is dropped.
 */
const withQuietClients = (pool: PostgresPool): PostgresPool => {
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
};

/**
 * Opens (lazily) the connections of a Postgres store object. With one host and no failover timeout they are a
 * plain `pg.Pool`, exactly as before multi-host URLs. With several hosts (libpq's
 * `postgres://u@h1:p1,h2:p2/db?target_session_attrs=read-write`), or a failover timeout:
 *
 * - new connections go to the host last found writable, and are checked to be writable when they open (a standby
 *   that answers is not used);
 * - a lost connection (socket closed, server shut down, 25006 read-only: see connectionLoss.ts) makes the caller
 *   wait while every host is probed until one is writable, up to `failoverTimeoutMs`;
 * - reads (`pool.query`, `pool.connect`) then simply run again; writes go through `settle`, which first finds out
 *   whether the lost write committed.
 *
 * @example
 * const connections = postgresConnections({
 *   url: 'postgres://app@db1:5432,db2:5432/prod', config: { application_name: 'jobledger' },
 *   poolSize: 10, description: 'postgres://app@db1:5432,db2:5432/prod',
 * });
 * await connections.pool.query('SELECT 1');
 */
export const postgresConnections = (options: PostgresConnectionsOptions): PostgresConnections => {
  const { hosts, urlFor } = splitPostgresHosts(options.url);
  const failover = hosts.length > 1 || options.failoverTimeoutMs !== undefined;
  const timeoutMs = options.failoverTimeoutMs ?? defaultFailoverTimeoutMs;
  const closing = new AbortController();

  if (!failover) {
    const config: pg.ClientConfig = { ...options.config, connectionString: options.url };
    const pool = withQuietClients(new PostgresPool({ ...config, max: options.poolSize }));
    return {
      pool,
      failover,
      newClient: () => new pg.Client(config),
      checkWritable: async () => undefined,
      settle: ({ attempt }) => attempt(),
      end: () => pool.end(),
    };
  }

  const base: pg.ClientConfig = {
    // A host that vanished without a word (no RST) would otherwise hold a connect for minutes.
    connectionTimeoutMillis: 5000,
    keepAlive: true,
    ...options.config,
  };
  const primary = writableHost({
    hosts,
    urlFor,
    config: base,
    target: options.targetSessionAttrs ?? 'read-write',
    description: options.description,
  });
  const configForCurrent = (): pg.ClientConfig => ({ ...base, connectionString: urlFor(primary.current()) });
  /** A client to the host last found writable, whichever that is when the pool opens it. */
  class CurrentHostClient extends pg.Client {
    constructor() {
      super(configForCurrent());
    }
  }

  const pool = withQuietClients(
    new PostgresPool({
      ...base,
      max: options.poolSize,
      Client: CurrentHostClient as unknown as new () => pg.ClientBase,
      onConnect: (client) => primary.check(client),
    }),
  );

  /** Waits for a writable host after `error` (once the first failure set `deadline`). */
  const recover = async (error: unknown, deadline: number): Promise<void> => {
    if (closing.signal.aborted || !isConnectionLoss(error)) throw error;
    await primary.find(deadline, error, closing.signal);
  };

  pool.retry = async <T>(work: () => Promise<T>): Promise<T> => {
    let deadline: number | undefined;
    for (;;) {
      try {
        return await work();
      } catch (error) {
        deadline ??= Date.now() + timeoutMs;
        await recover(error, deadline);
      }
    }
  };

  return {
    pool,
    failover,
    newClient: () => new pg.Client(configForCurrent()),
    checkWritable: (client) => primary.check(client),
    async settle({ attempt, landed, accepted }) {
      let deadline: number | undefined;
      let uncertain = false;
      for (;;) {
        try {
          const result = await attempt();
          if (!uncertain || accepted === undefined || accepted(result)) return result;
          return (await landed()) ?? result;
        } catch (error) {
          deadline ??= Date.now() + timeoutMs;
          await recover(error, deadline);
          uncertain = true;
          const found = await landed();
          if (found !== undefined) return found;
        }
      }
    },
    async end() {
      closing.abort();
      await pool.end();
    },
  };
};
