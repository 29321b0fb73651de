import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledPackage } from '../support/compiledPackage.js';

const compiled = compiledPackage;
const workDir = mkdtempSync(join(tmpdir(), 'jobledger-1gb-'));
beforeAll(() => compiled.build(), 180_000);
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

const gib = 2 ** 30;

describe('a 1 GiB file', () => {
  it('goes in from a stream and out through copyTo with bounded memory (peak RSS of the process < 200 MB)', async () => {
    const child = spawnSync(
      process.execPath,
      [join(import.meta.dirname, 'filesCopyToChild.mjs'), compiled.dist, workDir, String(gib)],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      recordedSha256: string;
      recordedSize: number;
      generatedSha256: string;
      copiedBytes: number;
      uploadMs: number;
      copyMs: number;
      maxRssBytes: number;
    };
    console.log(
      `1 GiB: upload ${report.uploadMs} ms, copyTo ${report.copyMs} ms, peak RSS ${(report.maxRssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(report.recordedSize).toBe(gib);
    expect(report.recordedSha256).toBe(report.generatedSha256);
    expect(report.copiedBytes).toBe(gib);
    expect(report.maxRssBytes).toBeLessThan(200 * 1e6);
    // The copy on disk, hashed here, is the content that was generated.
    const copy = join(workDir, 'copy.bin');
    expect(statSync(copy).size).toBe(gib);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(copy, { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(report.generatedSha256);
  }, 300_000);
});
