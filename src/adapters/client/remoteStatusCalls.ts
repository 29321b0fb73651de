import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import { claimBatchCodec } from '../../app/session/claimJob.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { Job, ResponseGetJobForAgent } from '../../domain/dto.js';
import { JobError } from '../../domain/errors.js';
import type { JobStatusName } from '../../domain/JobStatusName.js';
import { isNoJobResponse, type NoJobResponse } from '../../domain/model.js';
import { decodeLease, decodePollStatus } from './answerCodecs.js';
import { snakeCaseKeys, type RemoteKit } from './remoteKit.js';

/** `getJobForAgent`'s input on the remote client: the claim may wait up to `waitMs` for a job to appear. */
export interface GetJobForAgentInput {
  readonly functionIds?: string[];
  /** How long to wait for a claimable job (default 0: answer at once); the server holds each request ≤ 60 s. */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

/** The remote client's claims: one job (or a NoJobResponse), or with `max` up to that many (an array). */
export interface RemoteClaim {
  (input: GetJobForAgentInput & { max: number }): TE.TaskEither<JobError, readonly Job[]>;
  (input?: GetJobForAgentInput & { max?: undefined }): TE.TaskEither<JobError, Job | NoJobResponse>;
}

/** A validation error when `ms` (the input member at `path`) is not a number of milliseconds ≥ 0. */
const notMilliseconds = (path: string, ms: number): E.Either<JobError, never> | undefined =>
  Number.isFinite(ms) && ms >= 0
    ? undefined
    : E.left(JobError.validation([{ path, message: `expected milliseconds ≥ 0, got ${ms}` }]));

// Proxies commonly cut a request after 60 s; each long-poll request stays under that.
const maxHoldSeconds = 50;
const maxClaimWaitSeconds = 60;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** The remote client's status calls: status changes, claims (with waiting), heartbeats and pollJob. @internal */
export const remoteStatusCalls = (
  kit: RemoteKit,
): Pick<JobLedgerSession, 'updateStatus' | 'heartbeat' | 'pollJob'> & { getJobForAgent: RemoteClaim } => {
  const { jobPath, call, transport } = kit;

  const claimOnce = (input: GetJobForAgentInput, waitSeconds: number) =>
    transport.json(
      {
        method: 'POST',
        path: '/agent/job',
        route: 'POST /agent/job',
        command: true,
        query: waitSeconds > 0 ? { wait_s: String(waitSeconds) } : {},
        json: snakeCaseKeys(input.functionIds === undefined ? {} : { functionIds: input.functionIds }),
        holdMs: waitSeconds * 1000,
        ...(input.signal !== undefined && { signal: input.signal }),
      },
      ResponseGetJobForAgent.fromDict,
    );

  const claimWaiting =
    (input: GetJobForAgentInput): TE.TaskEither<JobError, Job | NoJobResponse> =>
    async () => {
      const waitMs = input.waitMs ?? 0;
      const badWait = notMilliseconds('input.waitMs', waitMs);
      if (badWait !== undefined) return badWait;
      const deadline = Date.now() + waitMs;
      for (;;) {
        const remaining = deadline - Date.now();
        const seconds = Math.min(maxClaimWaitSeconds, Math.max(0, Math.ceil(remaining / 1000)));
        const started = Date.now();
        const answer = await claimOnce(input, seconds);
        if (E.isLeft(answer) || !isNoJobResponse(answer.right)) return answer;
        if (deadline - Date.now() <= 0 || input.signal?.aborted === true) return answer;
        // A server without the long-poll answers at once: wait a little instead of asking in a tight loop.
        if (Date.now() - started < seconds * 500)
          await sleep(Math.min(1000, deadline - Date.now()), input.signal);
      }
    };

  return {
    updateStatus: (id, input) =>
      call(
        jobPath(id),
        (path) => ({
          method: 'PUT',
          path: `${path}/status`,
          route: 'PUT /jobs/{id}/status',
          command: true,
          json: snakeCaseKeys(input ?? {}),
        }),
        Job.fromDict,
      ),
    heartbeat: (id) =>
      call(
        jobPath(id),
        (path) => ({
          method: 'POST',
          path: `${path}/heartbeat`,
          route: 'POST /jobs/{id}/heartbeat',
          command: true,
        }),
        decodeLease,
      ),
    // A batch over HTTP is single claims in a row (the first may wait): the server has no batch route.
    getJobForAgent: ((input: GetJobForAgentInput & { max?: number } = {}) => {
      const { max, ...single } = input;
      if (max === undefined) return claimWaiting(single);
      return async () => {
        // The session's own rule for `max`, so both answer the same error.
        const batch = decodeWith(claimBatchCodec, 'input')({ max });
        if (E.isLeft(batch)) return batch;
        const first = await claimWaiting(single)();
        if (E.isLeft(first)) return first;
        const jobs: Job[] = [];
        let next: E.Either<JobError, Job | NoJobResponse> = first;
        while (E.isRight(next) && !isNoJobResponse(next.right)) {
          jobs.push(next.right);
          if (jobs.length === max) break;
          next = await claimOnce(
            { ...(single.functionIds !== undefined && { functionIds: single.functionIds }) },
            0,
          );
        }
        return E.right(jobs);
      };
    }) as RemoteClaim,
    pollJob: (id, input = {}) => {
      const path = jobPath(id);
      return async () => {
        if (E.isLeft(path)) return path;
        const timeoutMs = input.timeoutMs ?? 60_000;
        const badTimeout = notMilliseconds('input.timeoutMs', timeoutMs);
        if (badTimeout !== undefined) return badTimeout;
        const deadline = Date.now() + timeoutMs;
        const aborted = () => input.signal?.aborted === true;
        const timedOut = () => E.left(JobError.timeout(timeoutMs, `pollJob(${String(id)}): the job`));
        for (;;) {
          if (aborted()) return timedOut();
          const remaining = Math.max(0, deadline - Date.now());
          const seconds = Math.min(maxHoldSeconds, remaining / 1000);
          const answer = await transport.json<JobStatusName>(
            {
              method: 'GET',
              path: `${path.right}/poll`,
              route: 'GET /jobs/{id}/poll',
              command: false,
              query: { timeout_s: seconds.toFixed(3) },
              holdMs: Math.ceil(seconds * 1000),
              ...(input.signal !== undefined && { signal: input.signal }),
            },
            decodePollStatus,
          );
          if (E.isRight(answer)) return answer;
          if (answer.left._tag !== 'Timeout') return answer;
          if (Date.now() >= deadline || aborted()) return timedOut();
        }
      };
    },
  };
};
