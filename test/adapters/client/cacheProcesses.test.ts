import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobLedgerClient } from '../../../src/client.js';
import { ok } from '../../app/support.js';
import { compiledPackage } from '../../support/compiledPackage.js';
import { startServer } from '../http/httpTestServer.js';

const dir = mkdtempSync(join(tmpdir(), 'jobledger-cache-processes-'));
let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  await compiledPackage.build();
  s = await startServer(`sqlite:${join(dir, 'ledger.db')}`);
}, 200_000);
afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const child = (args: string[]) =>
  new Promise<{ hashes: string[]; failures: string[] }>((resolve, reject) => {
    const p = spawn(process.execPath, [join(import.meta.dirname, 'cacheReaderChild.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += String(d)));
    p.stderr.on('data', (d: Buffer) => (err += String(d)));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as never) : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });

describe('the client file cache shared by processes', () => {
  it('hands every process the right bytes while they fill and empty one cache directory', async () => {
    const content = randomBytes(2 * 1024 * 1024);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const client = createJobLedgerClient({ url: s.url, token: 'alice-token', cacheDir: join(dir, 'own') });
    const job = await ok(
      client.createJob({ function: { id: 'fn-shared' }, file: { name: 'big.bin', content } }),
    );
    const cacheDir = join(dir, 'shared');
    const results = await Promise.all(
      [1, 2, 3].map(() => child([compiledPackage.dist, s.url, cacheDir, job.id, '6'])),
    );
    for (const r of results) {
      expect(r.failures).toEqual([]);
      expect(r.hashes).toEqual(Array(6).fill(sha256));
    }
    // Whatever is left is whole: only entries named by their content, no temp file.
    for (const name of readdirSync(join(cacheDir, 'files'))) expect(name).toBe(sha256);
  });
});
