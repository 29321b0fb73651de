import { JobError, type ValidationError, type ValidationIssue } from '../../domain/errors.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Principal } from '../../domain/principal.js';
import type { WorkerClock, WorkerOptions } from './workerTypes.js';

/** The real clock: `Date` and Node's timers. @internal */
export const realWorkerClock: WorkerClock = {
  now: () => new Date(),
  sleep: (ms, signal) => sleep(ms, undefined, signal === undefined ? {} : { signal }),
};

/** `clock.sleep` that resolves early, instead of rejecting, when `signal` aborts. @internal */
export const pauseOn = (clock: WorkerClock, ms: number, signal?: AbortSignal): Promise<void> =>
  clock.sleep(ms, signal).catch(() => {});

/** The options with their defaults filled in. @internal */
export interface ResolvedWorkerOptions extends WorkerOptions {
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly shutdownGraceMs: number;
  readonly abortedHandlerWaitMs: number;
  readonly claimWaitMs: number;
  readonly progressEveryMs: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly clock: WorkerClock;
}

/** Thrown by `createWorker` for invalid options; `error` is the ValidationError naming each bad option. */
export class WorkerOptionsError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly error: ValidationError) {
    super(error.message);
  }
}

const integerIn = (
  issues: ValidationIssue[],
  path: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.push({
      path: `options.${path}`,
      message: `expected an integer from ${min} to ${max}, got ${String(value)}`,
    });
    return fallback;
  }
  return value;
};

/**
 * The session's principal when it is known. A remote client learns it only from `connect()` and throws when asked
 * before; such a session is checked by the server instead, whose claim refuses a user's token (Forbidden).
 */
const knownPrincipalOf = (session: WorkerOptions['session']): Principal | undefined => {
  try {
    return session.principal;
  } catch {
    return undefined;
  }
};

/**
 * Checks every option before anything is claimed, and fills in the defaults. Throws a {@link WorkerOptionsError}
 * naming every bad option. @internal
 */
export const resolveWorkerOptions = (options: WorkerOptions): ResolvedWorkerOptions => {
  const issues: ValidationIssue[] = [];
  const o = (options ?? {}) as Partial<WorkerOptions>;
  const session = o.session;
  if (session === undefined || session === null || typeof session.getJobForAgent !== 'function') {
    issues.push({
      path: 'options.session',
      message: 'expected an agent session: ledger.as({ kind: "agent", ... })',
    });
  } else {
    const principal = knownPrincipalOf(session);
    if (principal !== undefined && principal.kind !== 'agent')
      issues.push({
        path: 'options.session',
        message: `expected an agent's session, got a ${principal.kind} principal's (${principal.id}): workers claim jobs as agents`,
      });
  }
  if (typeof o.handler !== 'function')
    issues.push({
      path: 'options.handler',
      message: 'expected a function (job, ctx) => Promise<void | { message }>',
    });
  if (o.validate !== undefined && typeof o.validate !== 'function')
    issues.push({ path: 'options.validate', message: 'expected a function (job, ctx) or nothing' });
  if (
    o.clock !== undefined &&
    (o.clock === null || typeof o.clock.now !== 'function' || typeof o.clock.sleep !== 'function')
  )
    issues.push({
      path: 'options.clock',
      message: 'expected { now(): Date, sleep(ms, signal?): Promise<void> }',
    });
  if (
    o.functionIds !== undefined &&
    (!Array.isArray(o.functionIds) || o.functionIds.some((f) => typeof f !== 'string' || f.length === 0))
  )
    issues.push({ path: 'options.functionIds', message: 'expected an array of function ids' });
  const day = 24 * 3600 * 1000;
  const concurrency = integerIn(issues, 'concurrency', o.concurrency, 1, 1000, 1);
  const leaseMs = integerIn(issues, 'leaseMs', o.leaseMs, 1, day, 60_000);
  if (o.heartbeatEveryMs !== undefined) integerIn(issues, 'heartbeatEveryMs', o.heartbeatEveryMs, 1, day, 0);
  const shutdownGraceMs = integerIn(issues, 'shutdownGraceMs', o.shutdownGraceMs, 0, day, 30_000);
  const abortedHandlerWaitMs = integerIn(
    issues,
    'abortedHandlerWaitMs',
    o.abortedHandlerWaitMs,
    0,
    day,
    1_000,
  );
  const claimWaitMs = integerIn(issues, 'claimWaitMs', o.claimWaitMs, 1, day, 30_000);
  const progressEveryMs = integerIn(issues, 'progressEveryMs', o.progressEveryMs, 0, day, 1_000);
  const initialMs = integerIn(issues, 'backoff.initialMs', o.backoff?.initialMs, 1, day, 100);
  const maxMs = integerIn(issues, 'backoff.maxMs', o.backoff?.maxMs, 1, day, 10_000);
  if (issues.length > 0) throw new WorkerOptionsError(JobError.validation(issues));
  return {
    ...(o as WorkerOptions),
    concurrency,
    leaseMs,
    shutdownGraceMs,
    abortedHandlerWaitMs,
    claimWaitMs,
    progressEveryMs,
    backoff: { initialMs, maxMs: Math.max(initialMs, maxMs) },
    clock: o.clock ?? realWorkerClock,
  };
};
