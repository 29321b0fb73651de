import * as E from 'fp-ts/lib/Either.js';
import { intIn, strictObject } from '../../domain/codecs/decode.js';
import * as t from 'io-ts';
import { JobError } from '../../domain/errors.js';
import type { Job, NoJobResponse } from '../../domain/model.js';
import type { AgentPrincipal } from '../../domain/principal.js';
import type { StoredEvent } from '../../domain/storedEvent.js';
import { handleCommand } from '../handleCommand.js';
import type { LedgerContext } from '../LedgerContext.js';
import type { Result, SessionKit } from './sessionKit.js';

/** The longest a claim may wait for work in process (a day, as pollJob). */
const maxWaitMs = 24 * 3600 * 1000;

/** `getJobForAgent`'s waiting options, decoded apart from the claim's own input (which is also the wire body). */
export const claimWaitCodec = strictObject(
  'ClaimWaitInput',
  {},
  { waitMs: intIn('WaitMs', 0, maxWaitMs), signal: t.unknown },
);

const noJob = (agent: AgentPrincipal): NoJobResponse => ({
  message: `no job is available for agent ${agent.id}`,
});

/** One attempt: the oldest eligible Pending job, claimed atomically, or a NoJobResponse. @internal */
export const claimOnce = async (
  kit: SessionKit,
  agent: AgentPrincipal,
  functionIds: readonly string[] | undefined,
): Result<Job | NoJobResponse> => {
  const { ctx, caller } = kit;
  // A lost race (another agent claimed the candidate first) moves on to the next candidate.
  for (let round = 0; round < 5; round++) {
    let candidates: readonly string[];
    try {
      candidates = await ctx.readModel.claimCandidates(agent, functionIds, 8);
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
  return E.right(noJob(agent));
};

/**
 * Could this event make a job claimable? A job that became Pending (created, submitted, released, requeued,
 * expired back) or whose assignment changed. Everything else (heartbeats, comments, Running...) cannot.
 */
const mayOfferWork = (event: StoredEvent): boolean => {
  if (event.type === 'JobAgentAssigned') return true;
  if (event.type !== 'JobStatusChanged') return false;
  return (event.data as { to?: unknown }).to === 'Pending';
};

/**
 * Claims, and when nothing is eligible waits for the live feed to report an event that could offer work, then
 * claims again, until `waitMs` runs out (a NoJobResponse) or `signal` aborts (a NoJobResponse too: the caller
 * stopped asking). No timer polls: the wait registers on the feed before the first look, so a job created in
 * between wakes it. Wake-ups that arrive during an attempt are folded into one more attempt. @internal
 */
export const waitForClaim = async (
  ctx: LedgerContext,
  agent: AgentPrincipal,
  claim: () => Result<Job | NoJobResponse>,
  waitMs: number,
  signal: AbortSignal | undefined,
): Result<Job | NoJobResponse> => {
  // With a backlog there is no need to wait: claim at once, without joining the live feed.
  const first = await claim();
  if (E.isLeft(first) || 'id' in first.right) return first;
  return waitOnFeed(ctx, agent, claim, waitMs, signal);
};

const waitOnFeed = (
  ctx: LedgerContext,
  agent: AgentPrincipal,
  claim: () => Result<Job | NoJobResponse>,
  waitMs: number,
  signal: AbortSignal | undefined,
): Result<Job | NoJobResponse> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve(E.right(noJob(agent)));
    let finished = false;
    let attempting = false;
    let again = false;
    let stopping = false;
    const finish = (result: E.Either<JobError, Job | NoJobResponse>) => {
      if (finished) return;
      finished = true;
      stopListening();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    // An attempt in flight finishes first: a job it claims belongs to the caller, never to lease expiry.
    const onAbort = () => (attempting ? (stopping = true) : finish(E.right(noJob(agent))));
    const attempt = async () => {
      if (attempting) {
        again = true;
        return;
      }
      attempting = true;
      try {
        do {
          again = false;
          const result = await claim();
          if (E.isLeft(result) || 'id' in result.right || stopping) return finish(result);
        } while (again && !finished);
      } finally {
        attempting = false;
      }
    };
    const stopListening = ctx.feed.listenAll((event) => {
      if (!finished && mayOfferWork(event)) void attempt();
    });
    const timer = setTimeout(onAbort, waitMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Look again once the feed knows where it starts: a job offered in between is seen one way or the other.
    void ctx.feed.ready().then(attempt);
  });
