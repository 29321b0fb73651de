import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger, type JobLedger } from '../../../src/app/createJobLedger.js';
import type { Worker } from '../../../src/app/worker/workerTypes.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A ledger on a fresh SQLite file, closed (and its directory removed) after the test. */
export const sqliteLedger = (options: { leaseMs?: number; clock?: () => Date } = {}): JobLedger => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-worker-test-'));
  const ledger = createJobLedger({ store: openStore(`sqlite:${join(dir, 'ledger.db')}`), ...options });
  cleanups.push(async () => {
    await ledger.close()();
    rmSync(dir, { recursive: true, force: true });
  });
  return ledger;
};

/** Stops `worker` after the test, whatever happened. */
export const stopAfterTest = <W extends Worker>(worker: W): W => {
  cleanups.push(() => worker.stop());
  return worker;
};

/** Resolves with the arguments of the next `event` of `worker`. */
export const next = <
  K extends 'claimed' | 'completed' | 'failed' | 'released' | 'leaseLost' | 'canceled' | 'error',
>(
  worker: Worker,
  event: K,
) =>
  new Promise<unknown[]>((resolve) => worker.once(event as 'claimed', (...args: unknown[]) => resolve(args)));

export const agentOf = (ledger: JobLedger, id = 'agent-1') =>
  ledger.as({ kind: 'agent', id, tenantId: 't1' });
export const userOf = (ledger: JobLedger) => ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
export const smallJob = { function: { id: 'fn-1' }, file: { name: 'params.json' } };
