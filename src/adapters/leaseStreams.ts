import * as E from 'fp-ts/lib/Either.js';
import { JobError } from '../domain/errors.js';
import { wrongExpectedVersion, type LeaseRenewal, type LeaseStore } from '../domain/EventStore.js';
import { jobIdOfStream } from '../domain/storedEvent.js';

/**
 * A store's `renew` (see {@link LeaseStore}) around `keep`, which writes the renewal of job `jobId` only if the
 * stream is at `expected` and answers the stream's version as it found it (-1: no stream). Everything but the
 * write is the same on every store: only job streams have leases, a version other than `expected` is
 * `WrongExpectedVersion` (nothing changed), a failure is a `StoreError` that says to retry.
 */
export const compareAndSetRenewal =
  (
    description: string,
    keep: (jobId: string, streamId: string, renewal: LeaseRenewal, expected: number) => Promise<number>,
  ): LeaseStore['renew'] =>
  (streamId, renewal, { expected }) =>
  async () => {
    const jobId = jobIdOfStream(streamId);
    if (jobId === undefined)
      return E.left(JobError.store(`${streamId} is not a job stream: only jobs have leases`));
    try {
      const actual = await keep(jobId, streamId, renewal, expected);
      return actual === expected
        ? E.right(undefined)
        : E.left(wrongExpectedVersion(streamId, expected, actual === -1 ? 'no-stream' : actual));
    } catch (error) {
      return E.left(
        JobError.store(
          `${description}: renewing the lease of ${streamId} failed (${error instanceof Error ? error.message : String(error)}); retry`,
          error,
        ),
      );
    }
  };
