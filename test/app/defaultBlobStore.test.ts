import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { memoryEventStore } from '../../src/adapters/memory/memoryEventStore.js';
import { openStore } from '../../src/adapters/openStore.js';
import { createJobLedger } from '../../src/app/createJobLedger.js';
import { countEvents, err, ok } from './support.js';

const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' } as const;
const dir = mkdtempSync(join(tmpdir(), 'jobledger-default-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a SQLite ledger given no blob store keeps file contents in jobledger-files/ beside the database', async () => {
  const ledger = createJobLedger({ store: openStore(`sqlite:${join(dir, 'ledger.db')}`) });
  const job = await ok(
    ledger.as(alice).createJob({ function: { id: 'fn-1' }, file: { name: 'p.json', content: '{"a":1}' } }),
  );
  expect(await ok(ledger.as(alice).readJson(job.id))).toEqual({ a: 1 });
  await ok(ledger.close());
  expect(readdirSync(dir).sort()).toContain('jobledger-files');
});

it('a store that names no blob store refuses file contents with what to pass, and appends nothing', async () => {
  const memory = memoryEventStore();
  // A store of the user's own: everything of the port, no defaultBlobStore.
  const { defaultBlobStore: _unused, ...own } = memory;
  const ledger = createJobLedger({ store: own });
  const refused = await err(
    ledger.as(alice).createJob({ function: { id: 'fn-1' }, file: { name: 'p.json', content: 'x' } }),
  );
  expect(refused).toMatchObject({ _tag: 'StoreError' });
  expect(refused.message).toContain('createJobLedger({ store, files })');
  expect(await countEvents(memory)).toBe(0);
  // Jobs with file names only need no blob store.
  await ok(ledger.as(alice).createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } }));
  await ok(ledger.close());
});
