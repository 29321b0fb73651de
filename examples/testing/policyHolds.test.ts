/**
 * Recipe: your decider extension or policy holds for every command sequence.
 *
 * Layer your rule over jobledger's `decide`, then run random scenarios through it with
 * `runScenario(scenario, { decide: yours })`: every command of `jobScenarioArb` (random principals, claims,
 * reports, cancels, lease expiries, ...) goes through your decider, and the accepted events are what a ledger
 * would have stored. The rule here: only agents of pool `pool-b` (your GPU pool) may claim jobs of function
 * `fn-2` (your renderer). `decideSpec` pins single cases; the property covers every sequence.
 *
 * A deliberately broken variant (`assignedAgentsSkipThePoolCheck`: a shortcut that lets the agent a job is
 * assigned to claim it whatever its pools) is caught; fast-check shrinks to a job of fn-2 assigned to an agent
 * outside pool-b, which claims it:
 *
 *   Property failed after 199 tests
 *   { seed: 7, path: "198:1:3:3:4:5:5:5:5:5", endOnFailure: true }
 *   Counterexample: [{"creator":{"kind":"user","id":"u-1","tenantId":"t1"},
 *     "create":{"type":"CreateJob","jobId":"job-under-test","tenantId":"t1","function":{"id":"fn-2"},
 *       "file":{"name":"params.json"},"assignedAgentId":"agent-3"},
 *     "steps":[{"principal":{"kind":"agent","id":"agent-3","tenantId":"t1","poolIds":[]},
 *       "command":{"type":"ClaimJob"},"advanceMs":0}]}]
 *   Shrunk 9 time(s)
 *   Got error: Error: agent-3 (pools: none) claimed a job of fn-2
 *
 * The last test of this file checks that the broken variant is caught and shrunk to such a scenario.
 */
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, JobError } from 'jobledger';
import { decideSpec, jobScenarioArb, runScenario, type RecordedEvent } from 'jobledger/testing';

const gpuPool = 'pool-b';
const renderFunction = 'fn-2';

/** Your policy, layered over jobledger's decider. */
const decideWithGpuPolicy =
  (options: { assignedAgentsSkipThePoolCheck?: boolean } = {}): typeof decide =>
  (command, state, ctx) => {
    if (command.type === 'ClaimJob' && state.job?.function.id === renderFunction) {
      const p = ctx.principal;
      const inGpuPool = p.kind === 'agent' && (p.poolIds ?? []).includes(gpuPool);
      const shortcut = options.assignedAgentsSkipThePoolCheck && state.job.assignedAgentId === p.id;
      if (!inGpuPool && !shortcut)
        return E.left(JobError.forbidden(`only agents of ${gpuPool} may claim ${renderFunction} jobs`));
    }
    return decide(command, state, ctx);
  };

/** The rule, checked on what was accepted. */
const onlyGpuAgentsClaimedRenders = (events: readonly RecordedEvent[]) => {
  const created = events[0]?.event;
  if (created?.type !== 'JobCreated' || created.data.function.id !== renderFunction) return;
  for (const { event, by } of events) {
    if (event.type !== 'JobStatusChanged' || event.data.to !== 'Claimed') continue;
    const pools = by.kind === 'agent' ? (by.poolIds ?? []) : [];
    if (!pools.includes(gpuPool))
      throw new Error(`${by.id} (pools: ${pools.join(', ') || 'none'}) claimed a job of ${renderFunction}`);
  }
};

const property = (options: { assignedAgentsSkipThePoolCheck?: boolean } = {}) =>
  fc.property(jobScenarioArb('job-under-test', 20), (scenario) =>
    onlyGpuAgentsClaimedRenders(runScenario(scenario, { decide: decideWithGpuPolicy(options) }).events),
  );

describe('recipe: a decider policy holds for every command sequence', () => {
  it('only pool-b agents ever claim fn-2 jobs, whatever the commands', () => {
    fc.assert(property(), { numRuns: 300 });
  });

  it('the policy still lets a pool-b agent claim (so the property above is not vacuous)', () => {
    const created = {
      type: 'JobCreated',
      data: {
        jobId: 'j',
        tenantId: 't1',
        function: { id: renderFunction },
        file: { name: 'scene.json' },
        statusId: 's0',
        archiveStatusId: 'a0',
      },
    } as const;
    const submitted = {
      type: 'JobStatusChanged',
      data: { from: 'Created', to: 'Pending', statusId: 's1' },
    } as const;
    const gpuAgent = { kind: 'agent', id: 'agent-1', tenantId: 't1', poolIds: [gpuPool] } as const;
    const cpuAgent = { ...gpuAgent, poolIds: ['pool-a'] };
    const given = decideSpec().given([created, submitted]);
    expect(E.isRight(decideWithGpuPolicy()({ type: 'ClaimJob' }, given.state, context(gpuAgent)))).toBe(true);
    const refused = decideWithGpuPolicy()({ type: 'ClaimJob' }, given.state, context(cpuAgent));
    expect(E.isLeft(refused) && refused.left._tag).toBe('Forbidden');
  });

  it('the broken variant (assigned agents skip the pool check) is caught and shrunk to one claim', () => {
    const result = fc.check(property({ assignedAgentsSkipThePoolCheck: true }), { numRuns: 300, seed: 7 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/\(pools: none\) claimed a job of fn-2/);
    const [scenario] = result.counterexample!;
    expect(scenario.create.type === 'CreateJob' && scenario.create.function.id).toBe(renderFunction);
    expect(scenario.steps.map((s) => s.command.type)).toEqual(['ClaimJob']);
  });
});

const context = (principal: Parameters<typeof decide>[2]['principal']) => ({
  principal,
  now: new Date('2026-01-01T00:00:00Z'),
  newId: () => 'id',
  leaseMs: 60_000,
});
