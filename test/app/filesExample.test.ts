import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesExample } from '../../examples/files.js';
import { exampleAsShown, readmeCodeUnder } from '../support/readmeExample.js';

describe('the README example of job files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-files-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['memory:', 'memory:'],
    ['SQLite', 'sqlite'],
  ])('runs on %s', async (_name, kind) => {
    const url = kind === 'memory:' ? 'memory:' : `sqlite:${join(dir, 'files.db')}`;
    const copyPath = join(dir, `result-${kind}.csv`);
    const r = await filesExample(url, copyPath);
    expect(r.input).toEqual({ _tag: 'Right', right: { threshold: 0.5 } });
    expect(r.result).toEqual({ _tag: 'Right', right: 'id,score\n1,0.7\n' });
    expect(r.first).toEqual({ _tag: 'Right', right: '{"threshold":0.5}' });
    expect(r.copied).toEqual({ _tag: 'Right', right: { path: copyPath, bytes: 15, revision: 2 } });
    expect(readFileSync(copyPath, 'utf8')).toBe('id,score\n1,0.7\n');
    expect(r.report).toMatchObject({ _tag: 'Right', right: { ok: true } });
  });

  it('is the code shown in the README', () => {
    expect(readmeCodeUnder('## Job files')).toBe(
      exampleAsShown('files.ts', '  return { input', {
        'openStore(storeUrl)': "openStore('sqlite:./jobledger.db')",
        'copyTo(id, copyPath)': "copyTo(id, './result.csv')",
      }),
    );
  });
});
