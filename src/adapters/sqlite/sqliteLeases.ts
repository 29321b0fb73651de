import type BetterSqlite3 from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { JobError } from '../../domain/errors.js';
import { wrongExpectedVersion, type LeaseRenewal, type LeaseStore } from '../../domain/EventStore.js';
import { jobIdOfStream } from '../../domain/storedEvent.js';

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
      renew:
        (streamId, renewal, { expected }) =>
        async () => {
          const jobId = jobIdOfStream(streamId);
          if (jobId === undefined)
            return E.left(JobError.store(`${streamId} is not a job stream: only jobs have leases`));
          try {
            options.ensureOpen();
            const changed = renewIfAt.run(
              jobId,
              renewal.agentId,
              renewal.claimVersion,
              renewal.expiresAt.getTime(),
              streamId,
              expected,
            ).changes;
            if (changed === 1) return E.right(undefined);
            const actual = selectVersion.get(streamId) ?? -1;
            return E.left(wrongExpectedVersion(streamId, expected, actual === -1 ? 'no-stream' : actual));
          } catch (error) {
            return E.left(
              JobError.store(
                `${options.description}: renewing the lease of ${streamId} failed (${error instanceof Error ? error.message : String(error)}); retry`,
                error,
              ),
            );
          }
        },
      get: async (streamId) => {
        options.ensureOpen();
        return lookup(streamId);
      },
    },
  };
};
