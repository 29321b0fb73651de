import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { expect } from 'vitest';
import { memoryEventStore } from '../../src/adapters/memory/memoryEventStore.js';
import { createJobLedger, type JobLedgerOptions } from '../../src/app/createJobLedger.js';
import type { JobError } from '../../src/domain/errors.js';
import type { EventStore } from '../../src/domain/EventStore.js';

/** A controllable clock and sequential ids, so tests read like the rule. */
export const testLedger = (
  store: EventStore = memoryEventStore(),
  options: Partial<JobLedgerOptions> = {},
) => {
  let now = new Date('2026-01-01T00:00:00.000Z');
  let n = 0;
  const ledger = createJobLedger({
    store,
    clock: () => now,
    ids: () => `id-${(n++).toString().padStart(6, '0')}`,
    leaseMs: 60_000,
    ...options,
  });
  return {
    ledger,
    store,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
      return now;
    },
    now: () => now,
    alice: ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1', email: 'alice@example.com' }),
    bob: ledger.as({ kind: 'user', id: 'u-bob', tenantId: 't1', email: 'bob@example.com' }),
    mallory: ledger.as({ kind: 'user', id: 'u-mallory', tenantId: 't2' }),
    admin: ledger.as({ kind: 'user', id: 'u-admin', tenantId: 't1', roles: ['administrator'] }),
    agent: ledger.as({ kind: 'agent', id: 'agent-7', tenantId: 't1', poolIds: ['pool-a'] }),
    agent2: ledger.as({ kind: 'agent', id: 'agent-8', tenantId: 't1' }),
  };
};

/** Runs a TaskEither and returns the Right, failing the test with the error otherwise. */
export const ok = async <T>(te: TE.TaskEither<JobError, T>): Promise<T> => {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`);
  return r.right;
};

/** Runs a TaskEither and returns the Left, failing the test if it succeeded. */
export const err = async <T>(te: TE.TaskEither<JobError, T>): Promise<JobError> => {
  const r = await te();
  if (E.isRight(r)) throw new Error(`expected an error, got ${JSON.stringify(r.right).slice(0, 200)}`);
  return r.left;
};

export const statuses = (job: { statusHistory: readonly { name: string }[] }) =>
  job.statusHistory.map((s) => s.name);

export const countEvents = async (store: EventStore): Promise<number> => {
  let n = 0;
  for await (const _ of store.readAll()) n++;
  return n;
};

export const smallJob = { function: { id: 'fn-1' }, file: { name: 'params.json' } };

export { expect };
