import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import type { JobLedgerSession } from '../app/JobLedgerSession.js';
import type { Principal } from '../domain/principal.js';
import type { TestLedger } from './testLedger.js';

/**
 * Something that goes wrong just before one of the agent's session calls:
 * - `lease-expiry`: the lease runs out and the system sweeps (`expireLeases`) — the job goes back to Pending, or
 *   to Unknown if it was running; the call then arrives late;
 * - `late-report`: the call is held up `delayMs` of virtual time, and nobody sweeps before it arrives;
 * - `cancel`: the system cancels the job the call is about (the agent's last claimed job for calls without one);
 * - `crash`: the agent dies — this call and every later one reject with {@link AgentCrashed}; its claims stay
 *   until their leases expire;
 * - `store-conflict`: the next append loses an optimistic-concurrency race once (the ledger re-reads, retries).
 */
export type Fault =
  | { readonly kind: 'lease-expiry' }
  | { readonly kind: 'late-report'; readonly delayMs: number }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'crash' }
  | { readonly kind: 'store-conflict' };

/** A fault and the agent's session call it precedes (0 = before the first call). */
export interface ScheduledFault {
  readonly atCall: number;
  readonly fault: Fault;
}

/** Faults in the order of the calls they precede. */
export type FaultSchedule = readonly ScheduledFault[];

/** Options of {@link faultScheduleArb}. */
export interface FaultScheduleOptions {
  /** Faults land before calls 0 .. maxCalls - 1 (default 12). */
  readonly maxCalls?: number;
  /** At most this many faults (default 4). */
  readonly maxFaults?: number;
  /** The kinds to draw from (default all). */
  readonly kinds?: readonly Fault['kind'][];
  /** The ledger's lease, to draw `late-report` delays around it (default 60 000). */
  readonly leaseMs?: number;
}

const allKinds: readonly Fault['kind'][] = [
  'lease-expiry',
  'late-report',
  'cancel',
  'crash',
  'store-conflict',
];

/**
 * Random fault schedules for an agent: lease expiries, late reports, cancels, crashes at any call and store
 * conflicts. Shrinks towards fewer, earlier faults. Apply one with `testLedger.withFaults(agent, schedule)`.
 *
 * @example
 * fc.assert(fc.asyncProperty(faultScheduleArb({ leaseMs: 30_000 }), async (schedule) => {
 *   const t = createTestLedger({ clock: 'virtual', leaseMs: 30_000 });
 *   const agent = t.withFaults({ kind: 'agent', id: 'agent-1', tenantId: 't1' }, schedule);
 *   await runMyHandler(agent.session, t.clock).catch(rethrowUnlessCrash);
 *   // ... every job ends terminal or Unknown
 * }));
 */
export const faultScheduleArb = (options: FaultScheduleOptions = {}): fc.Arbitrary<FaultSchedule> => {
  const leaseMs = options.leaseMs ?? 60_000;
  const kinds = options.kinds ?? allKinds;
  if (kinds.length === 0) throw new Error('faultScheduleArb: kinds must name at least one fault kind');
  const fault: fc.Arbitrary<Fault> = fc
    .constantFrom(...kinds)
    .chain((kind) =>
      kind === 'late-report'
        ? fc
            .constantFrom(Math.floor(leaseMs / 2), leaseMs + 1, 2 * leaseMs)
            .map((delayMs): Fault => ({ kind, delayMs }))
        : fc.constant({ kind } as Fault),
    );
  return fc
    .array(fc.record({ atCall: fc.nat({ max: Math.max(0, (options.maxCalls ?? 12) - 1) }), fault }), {
      maxLength: options.maxFaults ?? 4,
    })
    .map((faults) => [...faults].sort((a, b) => a.atCall - b.atCall));
};

/** What a crashed agent's calls reject with: the process is gone, nothing it asks for happens. */
export class AgentCrashed extends Error {
  constructor(
    readonly agentId: string,
    readonly atCall: number,
  ) {
    super(`agent ${agentId} crashed (fault schedule, call ${atCall}); nothing after it reaches the ledger`);
    this.name = 'AgentCrashed';
  }
}

/** True for the rejection of a crashed agent's call: a handler loop under faults ends with it. */
export const isAgentCrash = (error: unknown): error is AgentCrashed => error instanceof AgentCrashed;

/** A session under a fault schedule, and what the schedule did to it. */
export interface FaultySession {
  /** Hand this to the code under test in place of `ledger.as(principal)`. */
  readonly session: JobLedgerSession;
  /** True once a `crash` fault struck. */
  crashed(): boolean;
  /** The faults applied so far, in order. */
  applied(): FaultSchedule;
  /** How many session calls the code under test made. */
  calls(): number;
}

/** @internal Wraps `t.as(principal)` so that each call first suffers the faults scheduled before it. */
export const faultySession = (
  t: TestLedger,
  principal: Principal,
  schedule: FaultSchedule,
): FaultySession => {
  const inner = t.as(principal);
  let calls = 0;
  let crashedAt: number | undefined;
  let lastClaimed: string | undefined;
  const applied: ScheduledFault[] = [];

  const strike = async (fault: Fault, args: readonly unknown[], call: number) => {
    switch (fault.kind) {
      case 'crash':
        crashedAt = call;
        return;
      case 'lease-expiry':
        await t.clock.advance(t.leaseMs + 1);
        await t.expireLeases();
        return;
      case 'late-report':
        await t.clock.advance(fault.delayMs);
        return;
      case 'cancel': {
        const jobId = typeof args[0] === 'string' ? args[0] : lastClaimed;
        // A terminal job refuses the cancel (Conflict): the fault then changes nothing, as in life.
        if (jobId !== undefined) await t.system.cancelJob(jobId, { message: 'canceled (fault schedule)' })();
        return;
      }
      case 'store-conflict':
        t.failNextAppends(1);
        return;
    }
  };

  const session = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        // Session calls return a lazy TaskEither: the faults strike when it runs. Anything else passes through.
        const task = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (typeof task !== 'function') return task;
        return async () => {
          const call = calls++;
          if (crashedAt === undefined) {
            for (const scheduled of schedule) {
              if (scheduled.atCall !== call) continue;
              applied.push(scheduled);
              await strike(scheduled.fault, args, call);
              if (crashedAt !== undefined) break;
            }
          }
          if (crashedAt !== undefined) throw new AgentCrashed(principal.id, crashedAt);
          const result = (await (task as () => Promise<unknown>)()) as E.Either<unknown, unknown>;
          if (key === 'getJobForAgent' && E.isRight(result)) {
            const job = result.right as { id?: unknown };
            if (typeof job.id === 'string') lastClaimed = job.id;
          }
          return result;
        };
      };
    },
  });

  return {
    session,
    crashed: () => crashedAt !== undefined,
    applied: () => [...applied],
    calls: () => calls,
  };
};
