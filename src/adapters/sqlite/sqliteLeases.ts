import type BetterSqlite3 from 'better-sqlite3';
import type { LeaseRenewal, LeaseStore } from '../../domain/EventStore.js';
import { jobIdOfStream } from '../../domain/storedEvent.js';
import { compareAndSetRenewal } from '../leaseStreams.js';

interface LeaseRow {
  readonly agent_id: string;
  readonly claim_version: number;
  readonly expires_at: number;
}

/** The SQLite side of leases renewed beside the streams: the port, and a synchronous read for transactions. */
export interface SqliteLeases {
  readonly port: LeaseStore;
  /** The renewal kept for a stream, read inside the caller's transaction (the decision of `execute`). */
  lookup(streamId: string): LeaseRenewal | undefined;
}

/**
 * Leases in `job_leases` (migration step 3). A renewal is one statement — its own transaction, which SQLite
 * serialises with every write transaction of every process on the file — that writes the row only if the
 * stream is still at the version the heartbeat was decided on: a compare-and-set on the stream, so an expiry
 * (decided inside a write transaction that reads the row) and a renewal never both succeed.
 */
export const sqliteLeases = (
  db: BetterSqlite3.Database,
  options: { readonly ensureOpen: () => void; readonly description: string },
): SqliteLeases => {
  const renewIfAt = db.prepare(
    `INSERT INTO job_leases (job_id, agent_id, claim_version, expires_at)
       SELECT ?, ?, ?, ? WHERE (SELECT max(version) FROM events WHERE stream_id = ?) IS ?
     ON CONFLICT (job_id) DO UPDATE SET agent_id = excluded.agent_id, claim_version = excluded.claim_version,
       expires_at = excluded.expires_at`,
  );
  const selectVersion = db
    .prepare<[string], number | null>('SELECT max(version) FROM events WHERE stream_id = ?')
    .pluck();
  const selectLease = db.prepare<[string], LeaseRow>(
    'SELECT agent_id, claim_version, expires_at FROM job_leases WHERE job_id = ?',
  );
  const lookup = (streamId: string): LeaseRenewal | undefined => {
    const jobId = jobIdOfStream(streamId);
    const row = jobId === undefined ? undefined : selectLease.get(jobId);
    return row === undefined
      ? undefined
      : { agentId: row.agent_id, claimVersion: row.claim_version, expiresAt: new Date(row.expires_at) };
  };
  return {
    lookup,
    port: {
      renew: compareAndSetRenewal(options.description, async (jobId, streamId, renewal, expected) => {
        options.ensureOpen();
        const args = [jobId, renewal.agentId, renewal.claimVersion, renewal.expiresAt.getTime()] as const;
        if (renewIfAt.run(...args, streamId, expected).changes === 1) return expected;
        return selectVersion.get(streamId) ?? -1;
      }),
      get: async (streamId) => {
        options.ensureOpen();
        return lookup(streamId);
      },
    },
  };
};
