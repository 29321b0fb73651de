import * as E from 'fp-ts/lib/Either.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import { JobError } from '../../domain/errors.js';
import type { JobState } from '../../domain/jobState.js';
import { defaultPollTimeoutMs, pollJob } from '../pollJob.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import type { SessionKit } from './sessionKit.js';
import type { Job, NoJobResponse } from '../../domain/model.js';
import type { AgentClaimInput } from '../JobLedgerSession.js';
import {
  claimBatch,
  claimBatchCodec,
  claimOnce,
  claimWaitCodec,
  waitForClaim,
  waitingForOne,
} from './claimJob.js';

/** The calls of the status machine's agents and waiters: status reports, claims, heartbeats, polls. @internal */
export const statusCalls = (
  kit: SessionKit,
): Pick<JobLedgerSession, 'updateStatus' | 'getJobForAgent' | 'heartbeat' | 'pollJob'> => {
  const { ctx, principal, decodeId, decode, run, jobOf, withInput } = kit;
  return {
    updateStatus: (id, input) => () =>
      jobOf(
        run(
          id,
          withInput(inputCodecs.updateStatus, 'input', input, ({ status, ...rest }) => ({
            type: 'ChangeStatus',
            to: status,
            ...rest,
          })),
        ),
      ),
    // One implementation for both overloads: `max` picks the batch answer (an array), see JobLedgerSession.
    getJobForAgent: ((input: AgentClaimInput & { max?: number } = {}) =>
      async (): Promise<E.Either<JobError, Job | NoJobResponse | readonly Job[]>> => {
        const { waitMs, signal, max, ...claimInput } = input;
        const wait = decode(claimWaitCodec, 'input', { waitMs, signal });
        if (E.isLeft(wait)) return wait;
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          return E.left(JobError.validation([{ path: 'input.signal', message: 'expected an AbortSignal' }]));
        }
        const decoded = decode(inputCodecs.getJobForAgent, 'input', claimInput);
        if (E.isLeft(decoded)) return decoded;
        if (principal.kind !== 'agent')
          return E.left(
            JobError.forbidden(
              'getJobForAgent is for agent principals; use ledger.as({ kind: "agent", ... })',
            ),
          );
        const functionIds = decoded.right.functionIds;
        const waitFor = wait.right.waitMs ?? 0;
        if (max !== undefined) {
          const batch = decode(claimBatchCodec, 'input', { max });
          if (E.isLeft(batch)) return batch;
          const claimAll = () => claimBatch(kit, principal, functionIds, batch.right.max!);
          if (waitFor === 0) return claimAll();
          const none: readonly Job[] = [];
          return waitForClaim(ctx, claimAll, {
            waitMs: waitFor,
            signal,
            none,
            found: (jobs) => jobs.length > 0,
          });
        }
        const claim = () => claimOnce(kit, principal, functionIds);
        if (waitFor === 0) return claim();
        return waitForClaim(ctx, claim, waitingForOne(principal, waitFor, signal));
      }) as JobLedgerSession['getJobForAgent'],
    heartbeat: (id) => async () =>
      E.map((s: JobState) => ({ leaseExpiresAt: s.leaseExpiresAt! }))(await run(id, { type: 'Heartbeat' })),
    pollJob:
      (id, input = {}) =>
      async () => {
        const jobId = decodeId(id);
        if (E.isLeft(jobId)) return jobId;
        const decoded = decode(inputCodecs.pollJob, 'input', input);
        if (E.isLeft(decoded)) return decoded;
        const signal = decoded.right.signal;
        if (signal !== undefined && !(signal instanceof AbortSignal)) {
          return E.left(JobError.validation([{ path: 'input.signal', message: 'expected an AbortSignal' }]));
        }
        return pollJob(ctx, principal, jobId.right, decoded.right.timeoutMs ?? defaultPollTimeoutMs, signal);
      },
  };
};
