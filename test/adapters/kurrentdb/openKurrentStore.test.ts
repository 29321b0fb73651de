import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, storeSchemes } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';

// No server listens on port 1: these check what a user sees when the cluster is unreachable (no server here).
const dir = mkdtempSync(join(tmpdir(), 'jobledger-kurrent-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore with a kurrentdb:// URL', () => {
  it('knows the KurrentDB schemes and refuses a projection store it cannot use, saying what to write', () => {
    expect(storeSchemes).toContain('kurrentdb://');
    expect(storeSchemes).toContain('esdb://');
    expect(() => openStore('kurrentdb://127.0.0.1:1?tls=false&projections=mysql://x')).toThrow(/projections/);
  });

  it('opens without a server, answers a StoreError for a command (nothing hangs), and closes', async () => {
    const store = openStore(
      `kurrentdb://admin:secret@127.0.0.1:1?tls=false&projections=sqlite:${join(dir, 'views.db')}`,
    );
    expect(store.description).not.toContain('secret');
    const ledger = createJobLedger({ store });
    const started = Date.now();
    const created = await ledger
      .as({ kind: 'user', id: 'u-alice', tenantId: 't1' })
      .createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
    expect(E.isLeft(created) && created.left._tag).toBe('StoreError');
    expect(Date.now() - started).toBeLessThan(20_000);
    await ledger.close()();
  }, 30_000);
});
