import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledPackage } from '../../support/compiledPackage.js';
import { startServer } from '../http/httpTestServer.js';

const workDir = mkdtempSync(join(tmpdir(), 'jobledger-client-large-'));
let s: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  await compiledPackage.build();
  s = await startServer(`sqlite:${join(workDir, 'ledger.db')}`);
}, 200_000);
afterAll(async () => {
  await s?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

// 256 MiB: more than the memory bound, so a client that gathered the file whole would fail; lean enough to run
// with every test (the library's own 1 GiB run is test/app/filesLarge.test.ts).
const size = 256 * 2 ** 20;

describe('a large file through the remote client', () => {
  it('streams up and down with bounded memory (peak RSS of the client process < 200 MB)', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          join(import.meta.dirname, 'clientLargeFileChild.mjs'),
          compiledPackage.dist,
          s.url,
          workDir,
          String(size),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
      child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
      child.on('close', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`)),
      );
    });
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as {
      recordedSha256: string;
      generatedSha256: string;
      copiedBytes: number;
      maxRssBytes: number;
    };
    expect(report.recordedSha256).toBe(report.generatedSha256);
    expect(report.copiedBytes).toBe(size);
    expect(statSync(join(workDir, 'copy.bin')).size).toBe(size);
    expect(report.maxRssBytes).toBeLessThan(200 * 1e6);
  }, 240_000);
});
