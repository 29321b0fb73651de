import pg from 'pg';
import { NotWritableError } from './connectionLoss.js';
import { formatPostgresHost, type PostgresHost } from './postgresHosts.js';
import type { PostgresTargetSession } from './postgresUrl.js';
import { sleepUntil } from '../sleepUntil.js';

/** Options of {@link writableHost}. */
export interface WritableHostOptions {
  readonly hosts: readonly PostgresHost[];
  /** The connection string for one host. */
  readonly urlFor: (host: PostgresHost) => string;
  /** Everything else a connection gets (application name, options); the probes use it too. */
  readonly config: pg.ClientConfig;
  readonly target: PostgresTargetSession;
  /** For messages: the store's URL without its password. */
  readonly description: string;
  /** How long one probe may take to connect and answer (default 2000 ms). */
  readonly probeTimeoutMs?: number;
}

/** Where the store's connections go, and how it finds the writable host again after a failover. */
export interface WritableHost {
  /** The host new connections go to: the last one found writable (the first host until a probe ran). */
  current(): PostgresHost;
  /**
   * Throws a {@link NotWritableError} unless `client`'s server takes writes as `target_session_attrs` asks
   * (`read-write`: `transaction_read_only` is off; `primary`: `pg_is_in_recovery()` is false).
   */
  check(client: pg.ClientBase, host?: PostgresHost): Promise<void>;
  /**
   * Resolves once a host was found writable (it becomes `current()`), probing every host in rounds with a growing
   * pause between them; rejects once `deadline` (a `Date.now()` time) passes, with an Error that says the
   * failover did not finish. Callers at the same time share the rounds.
   */
  find(deadline: number, cause: unknown, signal?: AbortSignal): Promise<void>;
}

const checkSql = `SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') = 'on' AS read_only`;

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Finds the writable host among a primary and its standbys, libpq's `target_session_attrs` way: connect to each,
 * ask whether it is in recovery / read-only. Probes every host at once (a dead host answers ECONNREFUSED at once,
 * an unreachable one within `probeTimeoutMs`), so a round takes as long as the slowest probe, not their sum.
 */
export const writableHost = (options: WritableHostOptions): WritableHost => {
  const { hosts, urlFor, config, target, description } = options;
  const probeTimeoutMs = options.probeTimeoutMs ?? 2000;
  let current = hosts[0]!;
  let round: Promise<PostgresHost | undefined> | undefined;
  let pauseMs = 50;
  // What each host answered in the last round, for the message when no host became writable in time.
  let answered = hosts.map((h) => `${formatPostgresHost(h)} (not probed yet)`).join(', ');

  const check = async (client: pg.ClientBase, host: PostgresHost = current): Promise<void> => {
    const row = (await client.query<{ recovery: boolean; read_only: boolean }>(checkSql)).rows[0]!;
    const usable = target === 'primary' ? !row.recovery : !row.recovery && !row.read_only;
    if (!usable) {
      throw new NotWritableError(
        formatPostgresHost(host),
        row.recovery ? 'a standby (in recovery)' : 'read-only',
        target,
      );
    }
  };

  const probe = async (host: PostgresHost, timeoutMs: number): Promise<string | undefined> => {
    const client = new pg.Client({
      ...config,
      connectionString: urlFor(host),
      connectionTimeoutMillis: Math.max(1, Math.min(probeTimeoutMs, timeoutMs)),
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await check(client, host);
      return undefined;
    } catch (error) {
      return error instanceof NotWritableError ? error.state : reason(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  /** One round: every host probed at once; the first writable one in URL order wins. */
  const probeAll = async (timeoutMs: number): Promise<PostgresHost | undefined> => {
    const answers = await Promise.all(hosts.map((h) => probe(h, timeoutMs)));
    answered = hosts.map((h, i) => `${formatPostgresHost(h)} (${answers[i] ?? 'writable'})`).join(', ');
    const index = answers.findIndex((answer) => answer === undefined);
    return index === -1 ? undefined : hosts[index];
  };

  return {
    current: () => current,
    check,
    async find(deadline, cause, signal) {
      for (;;) {
        const left = deadline - Date.now();
        if (signal?.aborted === true) throw new Error(`${description} is closed; open it again`);
        if (left <= 0) {
          throw new Error(
            `no writable Postgres host within the failover timeout after the connection was lost (${reason(cause)}): the failover did not finish; the hosts answered: ${answered}. Check that a standby was promoted, or raise failover_timeout`,
            { cause },
          );
        }
        round ??= probeAll(left).finally(() => (round = undefined));
        const found = await round;
        if (found !== undefined) {
          current = found;
          pauseMs = 50;
          return;
        }
        await sleepUntil(Math.min(pauseMs, Math.max(0, deadline - Date.now())), { signal });
        pauseMs = Math.min(pauseMs * 2, 500);
      }
    },
  };
};
