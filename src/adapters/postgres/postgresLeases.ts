import type pg from 'pg';
import type { LeaseRenewal, LeaseStore } from '../../domain/EventStore.js';
import { jobIdOfStream } from '../../domain/storedEvent.js';
import { compareAndSetRenewal } from '../leaseStreams.js';
import type { PostgresNames } from './migrations.js';

interface LeaseRow {
  readonly agent_id: string;
  readonly claim_version: number;
  readonly expires_at: Date;
}

/** The SQL that reads a job's renewal, for a caller that already holds the stream's lock in a transaction. */
export const selectLeaseSql = (names: PostgresNames): string =>
  `SELECT agent_id, claim_version, expires_at FROM ${names.q('job_leases')} WHERE job_id = $1`;

/** A `job_leases` row as a {@link LeaseRenewal}. */
export const leaseOfRow = (row: LeaseRow | undefined): LeaseRenewal | undefined =>
  row === undefined
    ? undefined
    : { agentId: row.agent_id, claimVersion: row.claim_version, expiresAt: new Date(row.expires_at) };

const withClient = async <T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
};

/**
 * Leases in `job_leases` (migration version 5). A renewal takes the stream's writer lock — the one every append
 * and every locked decision takes — checks that the stream is still at the version the heartbeat was decided on,
 * and writes the row: a compare-and-set on the stream. Expiries are decided while holding the same lock with the
 * row read in their transaction, so a renewal and an expiry never both succeed.
 */
export const postgresLeases = (options: {
  readonly names: PostgresNames;
  readonly ready: () => Promise<void>;
  readonly pool: pg.Pool;
  readonly description: string;
}): LeaseStore => {
  const { names, ready, pool } = options;
  const { q } = names;
  return {
    renew: compareAndSetRenewal(options.description, async (jobId, streamId, renewal, expected) => {
      await ready();
      // One round trip, one implicit transaction (a multi-statement query): the lock first, then — a new snapshot
      // per statement — the tip check and the write. A failure rolls the whole of it back.
      return withClient(pool, async (client) => {
        const lit = (v: string) => client.escapeLiteral(v);
        const results = (await client.query(
          `SELECT pg_advisory_xact_lock(${names.writerLockClass}, hashtext(${lit(streamId)}));
           WITH tip AS (SELECT coalesce(max(version), -1) AS v FROM ${q('events')} WHERE stream_id = ${lit(streamId)}),
             kept AS (
               INSERT INTO ${q('job_leases')} (job_id, agent_id, claim_version, expires_at)
                 SELECT ${lit(jobId)}, ${lit(renewal.agentId)}, ${Math.trunc(renewal.claimVersion)},
                   ${lit(renewal.expiresAt.toISOString())}::timestamptz
                 FROM tip WHERE tip.v = ${Math.trunc(expected)}
               ON CONFLICT (job_id) DO UPDATE SET agent_id = excluded.agent_id,
                 claim_version = excluded.claim_version, expires_at = excluded.expires_at
               RETURNING 1)
           SELECT v AS version FROM tip`,
        )) as unknown as pg.QueryResult<{ version: number }>[];
        return Number(results[1]!.rows[0]!.version);
      });
    }),
    get: async (streamId) => {
      const jobId = jobIdOfStream(streamId);
      if (jobId === undefined) return undefined;
      await ready();
      const r = await pool.query<LeaseRow>(selectLeaseSql(names), [jobId]);
      return leaseOfRow(r.rows[0]);
    },
  };
};
