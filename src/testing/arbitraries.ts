import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import type { JobEvent } from '../domain/codecs/events.js';
import { decide, type JobCommand } from '../domain/decide.js';
import { evolve, initialJobState, type JobState } from '../domain/jobState.js';
import { jobStatusNames } from '../domain/JobStatusName.js';
import type { AgentPrincipal, Principal, UserPrincipal } from '../domain/principal.js';
import { actorOf, systemPrincipal } from '../domain/principal.js';

/** The small worlds the arbitraries draw from: few names, so that commands collide and rules get exercised. */
export const testWorld = {
  tenants: ['t1', 't2'],
  users: ['u-1', 'u-2', 'u-3'],
  agents: ['agent-1', 'agent-2', 'agent-3'],
  pools: ['pool-a', 'pool-b'],
  functions: ['fn-1', 'fn-2'],
} as const;

export const userArb: fc.Arbitrary<UserPrincipal> = fc.record(
  {
    kind: fc.constant('user' as const),
    id: fc.constantFrom(...testWorld.users),
    tenantId: fc.constantFrom('t1', 't1', 't1', 't2'),
    roles: fc.constantFrom<'administrator'[]>([], [], [], ['administrator']),
  },
  { requiredKeys: ['kind', 'id', 'tenantId'] },
);

export const agentArb: fc.Arbitrary<AgentPrincipal> = fc.record({
  kind: fc.constant('agent' as const),
  id: fc.constantFrom(...testWorld.agents),
  tenantId: fc.constantFrom('t1', 't1', 't1', 't2'),
  poolIds: fc.subarray([...testWorld.pools]),
});

/** Users, agents and (rarely) the system. */
export const principalArb: fc.Arbitrary<Principal> = fc.oneof(
  { weight: 4, arbitrary: userArb },
  { weight: 5, arbitrary: agentArb },
  { weight: 1, arbitrary: fc.constant(systemPrincipal) },
);

const text = fc.string({ maxLength: 20 });

/** Commands on an existing job (everything but CreateJob). */
export const jobCommandArb: fc.Arbitrary<JobCommand> = fc.oneof(
  fc.constant({ type: 'SubmitJob' } as const),
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('ChangeStatus' as const),
      to: fc.constantFrom(...jobStatusNames),
    }),
  },
  fc.constant({ type: 'CancelJob' } as const),
  fc.record({ type: fc.constant('AssignAgent' as const), agentId: fc.constantFrom(...testWorld.agents) }),
  { weight: 3, arbitrary: fc.constant({ type: 'ClaimJob' } as const) },
  fc.constant({ type: 'Heartbeat' } as const),
  { weight: 2, arbitrary: fc.constant({ type: 'ExpireLease' } as const) },
  fc.record({ type: fc.constant('ArchiveJob' as const), reason: text }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('RestoreJob' as const) }),
  fc.record({
    type: fc.constant('UpdateProperties' as const),
    properties: fc.record({ displayName: text }, { requiredKeys: [] }),
  }),
  fc.record({
    type: fc.constant('AddComment' as const),
    content: fc.string({ minLength: 1, maxLength: 20 }),
  }),
  fc.record({
    type: fc.constant('GrantAccess' as const),
    subjectType: fc.constantFrom('user' as const, 'agent' as const),
    subjectId: fc.constantFrom(...testWorld.users, ...testWorld.agents),
    relation: fc.constantFrom('viewer' as const, 'editor' as const, 'owner' as const),
  }),
);

/** A CreateJob for tenant t1 (draft or not, sometimes assigned). */
export const createJobCommandArb = (
  jobId: string,
): fc.Arbitrary<Extract<JobCommand, { type: 'CreateJob' }>> =>
  fc.record(
    {
      type: fc.constant('CreateJob' as const),
      jobId: fc.constant(jobId),
      tenantId: fc.constant('t1'),
      function: fc.record({ id: fc.constantFrom(...testWorld.functions) }),
      file: fc.record({ name: fc.constantFrom('params.json', 'model.bin') }),
      draft: fc.boolean(),
      assignedAgentId: fc.constantFrom(...testWorld.agents),
      assignedAgentPoolId: fc.constantFrom(...testWorld.pools),
    },
    { requiredKeys: ['type', 'jobId', 'tenantId', 'function', 'file'] },
  );

/** One step of a scenario: who sends what, and how much time passes before. */
export interface ScenarioStep {
  readonly principal: Principal;
  readonly command: JobCommand;
  readonly advanceMs: number;
}

/** A scenario for one job: its creation by a tenant-t1 user, then random steps. */
export const jobScenarioArb = (jobId = 'job-under-test', maxSteps = 30) =>
  fc.record({
    creator: fc
      .constantFrom(...testWorld.users)
      .map((id): UserPrincipal => ({ kind: 'user', id, tenantId: 't1' })),
    create: createJobCommandArb(jobId),
    steps: fc.array(
      fc.record({
        principal: principalArb,
        command: jobCommandArb,
        advanceMs: fc.constantFrom(0, 1000, 30_000, 90_000),
      }),
      { maxLength: maxSteps },
    ),
  });

/** An accepted event with its context, as a ledger would have stored it. */
export interface RecordedEvent {
  readonly event: JobEvent;
  readonly by: Principal;
  readonly at: Date;
  readonly version: number;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** The lease (default 60 000 ms). */
  readonly leaseMs?: number;
  /** When the scenario starts (default 2026-01-01T00:00:00Z). */
  readonly startAt?: Date;
  /** The decider to run (default jobledger's `decide`): pass yours to test a policy layered over it. */
  readonly decide?: typeof decide;
}

/**
 * Runs a scenario through `decide`/`evolve` alone (no store): the accepted events form a valid stream.
 * Rejected commands are skipped, as a ledger would refuse them. Time starts at `startAt` and moves by each
 * step's `advanceMs`. The second argument is the options, or (as before) the lease in ms. Turn the events into
 * stored ones with `toStoredEvents`.
 *
 * @example
 * const { events, state, rejected } = runScenario(scenario, { decide: decideWithMyPolicy });
 */
export const runScenario = (
  scenario: { creator: Principal; create: JobCommand; steps: readonly ScenarioStep[] },
  options: RunScenarioOptions | number = {},
): { readonly events: readonly RecordedEvent[]; readonly state: JobState; readonly rejected: number } => {
  const {
    leaseMs = 60_000,
    startAt = new Date('2026-01-01T00:00:00.000Z'),
    decide: decider = decide,
  } = typeof options === 'number' ? { leaseMs: options } : options;
  let now = startAt;
  let n = 0;
  // Ids unique per job, so that several scenarios can share one log (a read model keys comments and grants by id).
  const prefix = scenario.create.type === 'CreateJob' ? `sim-${scenario.create.jobId}` : 'sim';
  const newId = () => `${prefix}-${n++}`;
  let state = initialJobState;
  const events: RecordedEvent[] = [];
  let rejected = 0;
  const apply = (principal: Principal, command: JobCommand) => {
    const decided = decider(command, state, { principal, now, newId, leaseMs });
    if (E.isLeft(decided)) {
      rejected++;
      return;
    }
    for (const event of decided.right) {
      const version = state.version + 1;
      state = evolve(state, event, { at: now, actor: actorOf(principal), version });
      events.push({ event, by: principal, at: now, version });
    }
  };
  apply(scenario.creator, scenario.create);
  for (const step of scenario.steps) {
    now = new Date(now.getTime() + step.advanceMs);
    apply(step.principal, step.command);
  }
  return { events, state, rejected };
};

/**
 * Valid job event streams as {@link RecordedEvent}s (each accepted by the decider in order). For events as a
 * store holds them (what `foldJobStream`, `verify` and projections take), use `storedJobStreamArb`.
 */
export const validJobStreamArb = (jobId?: string): fc.Arbitrary<readonly RecordedEvent[]> =>
  jobScenarioArb(jobId).map((s) => runScenario(s).events);
