import * as E from 'fp-ts/lib/Either.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import { JobError } from '../../domain/errors.js';
import type { JobState } from '../../domain/jobState.js';
import { handleCommand } from '../handleCommand.js';
import { defaultPollTimeoutMs, pollJob } from '../pollJob.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import type { SessionKit } from './sessionKit.js';

/** The calls of the status machine's agents and waiters: status reports, claims, heartbeats, polls. @internal */
export const statusCalls = (
  kit: SessionKit,
): Pick<JobLedgerSession, 'updateStatus' | 'getJobForAgent' | 'heartbeat' | 'pollJob'> => {
  const { ctx, principal, caller, decodeId, decode, run, jobOf, withInput } = kit;
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
    getJobForAgent:
      (input = {}) =>
      async () => {
        const decoded = decode(inputCodecs.getJobForAgent, 'input', input);
        if (E.isLeft(decoded)) return decoded;
        if (principal.kind !== 'agent')
          return E.left(
            JobError.forbidden(
              'getJobForAgent is for agent principals; use ledger.as({ kind: "agent", ... })',
            ),
          );
        const functionIds = decoded.right.functionIds;
        // A lost race (another agent claimed the candidate first) moves on to the next candidate.
        for (let round = 0; round < 5; round++) {
          let candidates: readonly string[];
          try {
            candidates = await ctx.readModel.claimCandidates(principal, functionIds, 8);
          } catch (cause) {
            return E.left(JobError.store(`finding work failed: ${String(cause)}`, cause));
          }
          if (candidates.length === 0) break;
          for (const jobId of candidates) {
            const claimed = await handleCommand(ctx, jobId, caller, { type: 'ClaimJob' })();
            if (E.isRight(claimed)) return E.right(claimed.right.job!);
            if (
              claimed.left._tag !== 'Conflict' &&
              claimed.left._tag !== 'ConcurrencyConflict' &&
              claimed.left._tag !== 'NotFound'
            )
              return claimed;
          }
        }
        return E.right({ message: `no job is available for agent ${principal.id}` });
      },
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
