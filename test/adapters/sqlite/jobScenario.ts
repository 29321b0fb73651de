import * as E from 'fp-ts/lib/Either.js';
import type { EventStore, ExpectedVersion } from '../../../src/domain/EventStore.js';
import type { Actor } from '../../../src/domain/principal.js';
import type { NewEvent } from '../../../src/domain/storedEvent.js';

/** One append of a scenario: the same call is made on every store compared. */
export interface ScenarioAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedVersion;
}

/** A small deterministic PRNG (mulberry32), so a scenario is the same on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

export const scenarioStart = new Date('2026-03-01T00:00:00.000Z');
const minute = 60_000;

const user = (id: string): Actor => ({ kind: 'user', id });
const agentActor = (id: string): Actor => ({ kind: 'agent', id });
const system: Actor = { kind: 'system', id: 'system' };

/**
 * Jobs in two tenants going through every kind of event: drafts, submissions, claims with leases, runs that
 * complete, fail or end Unknown, cancels, archive and restore, comments, property updates, grants to users,
 * emails (in mixed case) and agents, updated and revoked grants, assignments. Creation times repeat in groups
 * of three so that ordering ties are broken by job id. A non-job stream and an event that does not decode are
 * mixed in. Streams are interleaved, each in its own order.
 */
export const jobScenario = (jobs = 60, seed = 7): ScenarioAppend[] => {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const perStream: { streamId: string; events: NewEvent[] }[] = [];
  let id = 0;
  const nextId = (prefix: string) => `${prefix}-${(id++).toString(36)}`;

  for (let i = 0; i < jobs; i++) {
    const jobId = `j${Math.floor(rnd() * 1e6).toString(36)}-${i}`;
    const tenantId = i % 5 === 4 ? 't2' : 't1';
    const creator = pick(['u-alice', 'u-bob', 'u-carol']);
    let t = scenarioStart.getTime() + Math.floor(i / 3) * minute;
    const at = (step = 1000) => {
      t += step;
      return new Date(t).toISOString();
    };
    const created = new Date(t).toISOString();
    const events: NewEvent[] = [];
    const push = (type: string, data: unknown, actor: Actor, recordedAt = at()) =>
      events.push({ type, data, metadata: { actor, recordedAt, correlationId: `c-${i}` } });
    const assignedAgentId = i % 7 === 0 ? pick(['agent-7', 'agent-8']) : undefined;
    const assignedAgentPoolId = i % 6 === 1 ? pick(['pool-a', 'pool-b']) : undefined;
    push(
      'JobCreated',
      {
        jobId,
        tenantId,
        function: { id: pick(['fn-1', 'fn-2']), ...(i % 2 === 0 && { name: 'render' }) },
        file: { name: `params-${i}.json`, ...(i % 3 === 0 && { size: i * 10, mime: 'application/json' }) },
        statusId: nextId('s'),
        archiveStatusId: nextId('a'),
        ...(i % 4 !== 3 && { modelId: pick(['m-1', 'm-2']) }),
        ...(assignedAgentId !== undefined && { assignedAgentId }),
        ...(assignedAgentPoolId !== undefined && { assignedAgentPoolId }),
      },
      user(creator),
      created,
    );
    const draft = i % 9 === 5;
    if (!draft) {
      if (i % 11 === 2) push('JobAgentAssigned', { agentId: 'agent-8' }, user(creator));
      push(
        'JobStatusChanged',
        { from: 'Created', to: 'Pending', statusId: nextId('s'), reason: 'submit' },
        user(creator),
      );
      const fate = rnd();
      if (fate < 0.15) {
        push(
          'JobStatusChanged',
          { from: 'Pending', to: 'Canceled', statusId: nextId('s'), message: 'no longer needed' },
          user(creator),
        );
      } else if (fate > 0.3) {
        const agentId = assignedAgentId ?? pick(['agent-7', 'agent-8', 'agent-9']);
        const lease = () => new Date(t + 10 * minute).toISOString();
        push(
          'JobStatusChanged',
          {
            from: 'Pending',
            to: 'Claimed',
            statusId: nextId('s'),
            agentId,
            reason: 'claim',
            leaseExpiresAt: lease(),
          },
          agentActor(agentId),
        );
        if (fate > 0.4) {
          push(
            'JobStatusChanged',
            { from: 'Claimed', to: 'Validating', statusId: nextId('s'), agentId, leaseExpiresAt: lease() },
            agentActor(agentId),
          );
          push(
            'JobLeaseRenewed',
            { agentId, leaseExpiresAt: new Date(t + 20 * minute).toISOString() },
            agentActor(agentId),
          );
        }
        if (fate > 0.5) {
          push(
            'JobStatusChanged',
            { from: 'Validating', to: 'Running', statusId: nextId('s'), agentId, leaseExpiresAt: lease() },
            agentActor(agentId),
          );
        }
        if (fate > 0.6 && fate <= 0.7) {
          push(
            'JobStatusChanged',
            { from: 'Running', to: 'Unknown', statusId: nextId('s'), reason: 'lease-expired' },
            system,
          );
          push(
            'JobStatusChanged',
            { from: 'Unknown', to: 'Pending', statusId: nextId('s'), reason: 'requeue' },
            user(creator),
          );
        } else if (fate > 0.7) {
          const to = fate > 0.85 ? 'Failed' : 'Completed';
          push(
            'JobStatusChanged',
            { from: 'Running', to, statusId: nextId('s'), agentId, message: `${to} by ${agentId}` },
            agentActor(agentId),
          );
        }
      }
    }
    if (i % 4 === 0)
      push('JobCommentAdded', { commentId: nextId('c'), content: `note on ${jobId}` }, user(creator));
    if (i % 5 === 0)
      push('JobPropertiesUpdated', { displayName: `Job ${i}`, description: 'described' }, user(creator));
    if (i % 3 === 1) {
      const grant = nextId('g');
      push(
        'JobAccessGranted',
        { accessId: grant, subjectType: 'user', subjectId: 'u-bob', relation: 'viewer' },
        user(creator),
      );
      if (i % 2 === 0) push('JobAccessUpdated', { accessId: grant, relation: 'editor' }, user(creator));
    }
    if (i % 8 === 3) {
      push(
        'JobAccessGranted',
        { accessId: nextId('g'), subjectType: 'email', subjectId: 'Dave@Example.COM', relation: 'editor' },
        user(creator),
      );
    }
    if (i % 10 === 6) {
      const grant = nextId('g');
      push(
        'JobAccessGranted',
        { accessId: grant, subjectType: 'agent', subjectId: 'agent-5', relation: 'viewer' },
        user(creator),
      );
      if (i % 20 === 16) push('JobAccessRevoked', { accessId: grant }, user(creator));
    }
    if (i % 6 === 2) {
      push('JobArchived', { statusId: nextId('a'), reason: 'old' }, user(creator));
      if (i % 12 === 2) push('JobRestored', { statusId: nextId('a') }, user(creator));
    }
    // Does not decode: every read model skips it and keeps the job as it was.
    if (i === 13) push('JobCommentAdded', { content: 42 }, user(creator));
    // A log no ledger writes, but a read model must still follow: the job is created again, elsewhere, and
    // every list of the job starts over.
    if (i === 22) {
      push(
        'JobCreated',
        {
          jobId,
          tenantId: 't2',
          function: { id: 'fn-3' },
          file: { name: 'again.json' },
          statusId: nextId('s'),
          archiveStatusId: nextId('a'),
          modelId: 'm-9',
          assignedAgentPoolId: 'pool-b',
        },
        user('u-carol'),
      );
    }
    perStream.push({ streamId: `job-${jobId}`, events });
  }
  perStream.push({
    streamId: 'audit-1',
    events: [
      { type: 'Noise', data: { n: 1 } },
      { type: 'Noise', data: { n: 2 } },
    ],
  });

  // Interleave: take one or two events at a time from a random stream that has some left.
  const appends: ScenarioAppend[] = [];
  const cursor = perStream.map(() => 0);
  const open = perStream.map((_, k) => k);
  while (open.length > 0) {
    const at = Math.floor(rnd() * open.length);
    const k = open[at]!;
    const s = perStream[k]!;
    const from = cursor[k]!;
    const take = Math.min(s.events.length - from, rnd() < 0.3 ? 2 : 1);
    appends.push({
      streamId: s.streamId,
      events: s.events.slice(from, from + take),
      expected: from === 0 ? 'no-stream' : from - 1,
    });
    cursor[k] = from + take;
    if (cursor[k] === s.events.length) open.splice(at, 1);
  }
  return appends;
};

/** Makes every append of a scenario on `store`, failing loudly on any error. */
export const playScenario = async (store: EventStore, appends: readonly ScenarioAppend[]): Promise<void> => {
  for (const a of appends) {
    const result = await store.append(a.streamId, a.events, { expected: a.expected })();
    if (E.isLeft(result)) throw new Error(`${a.streamId}: ${result.left.message}`);
  }
};
