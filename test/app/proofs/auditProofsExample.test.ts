import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditProofsExample } from '../../../examples/auditProofs.js';
import { exampleAsShown, readmeCodeUnder } from '../../support/readmeExample.js';

describe('the README example of audit proofs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-proofs-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs on a SQLite file', async () => {
    const r = await auditProofsExample(`sqlite:${join(dir, 'proofs.db')}`);
    expect(r.checked).toMatchObject({ _tag: 'Right', right: { events: 2, status: 'Pending' } });
    expect(r.prefix).toMatchObject({ _tag: 'Right' });
    expect(r.report).toMatchObject({ _tag: 'Right', right: { ok: true } });
  });

  it('is the code shown in the README', () => {
    expect(readmeCodeUnder('## Audit proofs')).toBe(
      exampleAsShown('auditProofs.ts', '  return { checked', {
        'openStore(storeUrl)': "openStore('sqlite:./jobledger.db')",
      }),
    );
  });
});
