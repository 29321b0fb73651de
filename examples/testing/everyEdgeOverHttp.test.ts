/**
 * Recipe: model-based testing — every edge of the job machine driven through an HTTP route.
 *
 * `jobMachineEdgePaths()` gives one path per edge (the shortest way there from Created, then the edge), so
 * driving each through your route covers the whole machine; a property over random walks of the machine
 * (`transitionTable` says where each status may go) finds the sequences you did not think of. Here the route
 * is jobledger's own HTTP service on 127.0.0.1 (port 0) over a `createTestLedger` (virtual clock, so a lease
 * expiry costs no real time); `driveEdge` is the piece to rewrite for your service: which request, with whose
 * token, makes each edge happen.
 *
 * A deliberately broken driver (`failsAsUser`: it sends every Failed with the user's token, though a job an
 * agent holds is failed by that agent) is caught by the random walks; fast-check shrinks the walk to the
 * shortest one that shows it:
 *
 *   Property failed after 18 tests
 *   { seed: 3, path: "17:5", endOnFailure: true }
 *   Counterexample: [["Pending","Claimed","Failed"]]
 *   Shrunk 1 time(s)
 *   Got error: Error: Claimed -> Failed: PUT /jobs/00000000-…/status answered 403 {"error":"Forbidden",
 *     "message":"moving job 00000000-… from Claimed to Failed is reported by the agent that holds it"}
 *
 * The last test of this file checks that the broken driver is caught and shrunk to that walk.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, transitionTable, type HttpServer, type JobStatusName } from 'jobledger';
import { createTestLedger, jobMachineEdgePaths, type TestLedger } from 'jobledger/testing';

const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' } as const;
const agent = { kind: 'agent', id: 'agent-1', tenantId: 't1', poolIds: [] } as const;
const tokens = new Map<string, typeof alice | typeof agent>([
  ['alice-token', alice],
  ['agent-token', agent],
]);
const leaseMs = 30_000;

let t: TestLedger;
let server: HttpServer;
let base: string;

beforeAll(async () => {
  t = createTestLedger({ clock: 'virtual', leaseMs });
  server = createHttpServer({ ledger: t.ledger, tokens, clock: t.clock });
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const call = async (token: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, json };
};

/** Your driver: makes one edge happen through the route, as the principal allowed to drive it. */
const driveEdge = async (
  jobId: string,
  from: JobStatusName,
  to: JobStatusName,
  options: { failsAsUser?: boolean; expireLease?: boolean } = {},
) => {
  const [token, method, path, body] = ((): [string, string, string, unknown?] => {
    if (to === 'Claimed') return ['agent-token', 'POST', '/agent/job'];
    if (to === 'Pending' && from === 'Created') return ['alice-token', 'POST', `/jobs/${jobId}/submit`];
    if (to === 'Pending' && from === 'Unknown')
      return ['alice-token', 'PUT', `/jobs/${jobId}/status`, { status: to }];
    if (to === 'Canceled') return ['alice-token', 'POST', `/jobs/${jobId}/cancel`];
    if (to === 'Failed' && (options.failsAsUser || from === 'Created' || from === 'Pending'))
      return ['alice-token', 'PUT', `/jobs/${jobId}/status`, { status: to }];
    return ['agent-token', 'PUT', `/jobs/${jobId}/status`, { status: to }];
  })();
  if (to === 'Unknown' && options.expireLease) {
    // The other way into Unknown: the agent goes silent, its lease runs out, the system sweeps.
    await t.clock.advance(leaseMs + 1);
    expect(await t.expireLeases()).toMatchObject([{ jobId, to: 'Unknown' }]);
    return;
  }
  const answer = await call(token, method, path, body);
  if (answer.status !== 200)
    throw new Error(
      `${from} -> ${to}: ${method} ${path} answered ${answer.status} ${JSON.stringify(answer.json)}`,
    );
  if (to === 'Claimed' && answer.json.id !== jobId)
    throw new Error(`the agent was handed ${JSON.stringify(answer.json)}, not job ${jobId}`);
};

/** Creates a draft through the route, drives `statuses` one edge at a time, and checks the job's history. */
const drive = async (statuses: readonly JobStatusName[], options: { failsAsUser?: boolean } = {}) => {
  const created = await call('alice-token', 'POST', '/jobs', {
    function: { id: 'fn-1' },
    file: { name: 'params.json' },
    draft: true,
  });
  expect(created.status).toBe(201);
  const jobId = created.json.id as string;
  let from: JobStatusName = 'Created';
  let unknowns = 0;
  try {
    for (const to of statuses) {
      await driveEdge(jobId, from, to, { ...options, expireLease: to === 'Unknown' && unknowns++ % 2 === 0 });
      from = to;
    }
    const job = await call('alice-token', 'GET', `/jobs/${jobId}`);
    const names = (job.json.status_history as { name: string }[]).map((s) => s.name);
    if (names.join() !== ['Created', ...statuses].join())
      throw new Error(
        `the route recorded ${names.join(' -> ')}, the model says Created -> ${statuses.join(' -> ')}`,
      );
  } finally {
    // Leave nothing claimable or leased behind (also when a step failed): the next walk starts clean.
    await t.system.cancelJob(jobId)();
  }
};

/** Random walks of the machine from Created: each step picks one of the edges the current status has. */
const walkArb = fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 8 }).map((picks) => {
  const walk: JobStatusName[] = [];
  let at: JobStatusName = 'Created';
  for (const pick of picks) {
    const next: readonly JobStatusName[] = transitionTable[at];
    if (next.length === 0) break;
    at = next[pick % next.length]!;
    walk.push(at);
  }
  return walk;
});

describe('recipe: every edge of the machine through an HTTP route (model-based)', () => {
  it('drives each of the machine’s edges, by its shortest path, through the route', async () => {
    const paths = jobMachineEdgePaths();
    const edges = Object.values(transitionTable).reduce((n, targets) => n + targets.length, 0);
    expect(paths.map((p) => p.edge.join('->'))).toHaveLength(edges);
    for (const path of paths) await drive(path.statuses);
  });

  it('random walks of the machine end where the model says', async () => {
    await fc.assert(
      fc.asyncProperty(walkArb, (walk) => drive(walk)),
      { numRuns: 40 },
    );
  });

  it('the broken driver (fails jobs as the user) is caught and shrunk to the shortest walk that shows it', async () => {
    const result = await fc.check(
      fc.asyncProperty(walkArb, (walk) => drive(walk, { failsAsUser: true })),
      {
        numRuns: 100,
        seed: 3,
      },
    );
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/Claimed -> Failed: .* answered 403/);
    expect(result.counterexample).toEqual([['Pending', 'Claimed', 'Failed']]);
  });
});
