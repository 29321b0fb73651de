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

/** `getJobForAgent`'s batch size: claims up to `max` jobs in one call. */
export const claimBatchCodec = strictObject('ClaimBatchInput', {}, { max: intIn('Max', 1, 100) });

const noJob = (agent: AgentPrincipal): NoJobResponse => ({
  message: `no job is available for agent ${agent.id}`,
});

/** A claim that lost to another writer (or found the job gone): the next candidate is tried instead. */
const lostRace = (error: JobError): boolean =>
  error._tag === 'Conflict' || error._tag === 'ConcurrencyConflict' || error._tag === 'NotFound';

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
      if (!lostRace(claimed.left)) return claimed;
    }
  }
  return E.right(noJob(agent));
};

/**
 * The jobs a batch of this ledger is claiming right now: the ledger's other batches pass over them (asking for
 * that many more candidates), so that agents asking together take different jobs instead of racing for the same
 * ten. Only an optimisation: which agent gets a job is decided by its stream's version, as always.
 */
const claiming = new WeakMap<LedgerContext, Set<string>>();

/**
 * One attempt at a batch: up to `max` eligible Pending jobs, oldest first. Each round reads the candidates once
 * and sends their claims together (on Postgres concurrent commands share one transaction: group commit), so a
 * batch costs one candidate query and one commit instead of `max` of each. Each claim is still a command of its
 * own on its job's stream, decided and appended with the stream's version: exactly once, as `claimOnce`.
 * Candidates lost to other agents are replaced in the next round. A claim that fails otherwise (a StoreError)
 * after others succeeded is left out, so that the jobs held are never lost to the caller. @internal
 */
export const claimBatch = async (
  kit: SessionKit,
  agent: AgentPrincipal,
  functionIds: readonly string[] | undefined,
  max: number,
): Result<readonly Job[]> => {
  const { ctx, caller } = kit;
  const claimed: Job[] = [];
  const tried = new Set<string>();
  let busy = claiming.get(ctx);
  if (busy === undefined) claiming.set(ctx, (busy = new Set()));
  // Five rounds that lose races, as claimOnce; rounds that only passed over other batches' jobs are free (to 20).
  let racesLost = 0;
  for (let round = 0; round < 20 && racesLost < 5 && claimed.length < max; round++) {
    const wanted = max - claimed.length;
    const limit = wanted + tried.size + busy.size;
    let candidates: readonly string[];
    try {
      candidates = await ctx.readModel.claimCandidates(agent, functionIds, limit);
    } catch (cause) {
      if (claimed.length > 0) break;
      return E.left(JobError.store(`finding work failed: ${String(cause)}`, cause));
    }
    const open = candidates.filter((id) => !tried.has(id) && !busy.has(id));
    // A full window with some passed over: there may be more behind it (other batches may have started since).
    const mayBeMore = candidates.length === limit && open.length < candidates.length;
    const fresh = open.slice(0, wanted);
    if (fresh.length === 0) {
      if (mayBeMore) continue;
      break;
    }
    for (const id of fresh) {
      tried.add(id);
      busy.add(id);
    }
    const results = await Promise.all(
      fresh.map((jobId) => handleCommand(ctx, jobId, caller, { type: 'ClaimJob' })()),
    ).finally(() => {
      for (const id of fresh) busy.delete(id);
    });
    let lost = false;
    let failed: JobError | undefined;
    for (const result of results) {
      if (E.isRight(result)) claimed.push(result.right.job!);
      else if (lostRace(result.left)) lost = true;
      else failed ??= result.left;
    }
    if (failed !== undefined) {
      if (claimed.length === 0) return E.left(failed);
      break;
    }
    // Every candidate was claimed: fewer than wanted means there were no more.
    if (lost) racesLost++;
    else if (!(mayBeMore && fresh.length < wanted)) break;
  }
  return E.right(claimed);
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
 * claims again, until `waitMs` runs out or `signal` aborts (the caller stopped asking): then it answers
 * `waiting.none` (a NoJobResponse, or no jobs for a batch). No timer polls: the wait registers on the feed before
 * the first look, so a job created in between wakes it. Wake-ups that arrive during an attempt are folded into one
 * more attempt. @internal
 */
export const waitForClaim = async <T>(
  ctx: LedgerContext,
  claim: () => Result<T>,
  waiting: Waiting<T>,
): Result<T> => {
  // With a backlog there is no need to wait: claim at once, without joining the live feed.
  const first = await claim();
  if (E.isLeft(first) || waiting.found(first.right)) return first;
  return waitOnFeed(ctx, claim, waiting);
};

/** How a claim waits: until `waitMs` or `signal`, answering `none` then; `found` tells an answer with work. */
export interface Waiting<T> {
  readonly waitMs: number;
  readonly signal: AbortSignal | undefined;
  readonly none: T;
  readonly found: (answer: T) => boolean;
}

/** A single claim's waiting: a NoJobResponse when nothing came. @internal */
export const waitingForOne = (
  agent: AgentPrincipal,
  waitMs: number,
  signal: AbortSignal | undefined,
): Waiting<Job | NoJobResponse> => ({ waitMs, signal, none: noJob(agent), found: (r) => 'id' in r });

const waitOnFeed = <T>(ctx: LedgerContext, claim: () => Result<T>, waiting: Waiting<T>): Result<T> =>
  new Promise((resolve) => {
    const { waitMs, signal, none, found } = waiting;
    if (signal?.aborted) return resolve(E.right(none));
    let finished = false;
    let attempting = false;
    let again = false;
    let stopping = false;
    const finish = (result: E.Either<JobError, T>) => {
      if (finished) return;
      finished = true;
      stopListening();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    // An attempt in flight finishes first: a job it claims belongs to the caller, never to lease expiry.
    const onAbort = () => (attempting ? (stopping = true) : finish(E.right(none)));
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
          if (E.isLeft(result) || found(result.right) || stopping) return finish(result);
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
