import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesExample } from '../../examples/files.js';

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
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const doc = readme.slice(readme.indexOf('## Job files'));
    const example = readFileSync(new URL('../../examples/files.ts', import.meta.url), 'utf8');
    const body = example.slice(example.indexOf('import * as E'), example.indexOf('  return { input'));
    const shown = /```ts\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    // The README shows the body of the function at top level (no `export const … = async (…) => {`).
    const unindented = body
      .replace(/export const filesExample[^\n]*\n/, '')
      .replace('openStore(storeUrl)', "openStore('sqlite:./jobledger.db')")
      .replace('copyTo(id, copyPath)', "copyTo(id, './result.csv')")
      .replace(/^ {2}/gm, '');
    expect(shown.trim()).toBe(unindented.trim());
  });
});
