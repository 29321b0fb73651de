import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { remoteWorkerExample } from '../../../examples/remoteWorker.js';
import { exampleAsShown, readmeCodeUnder } from '../../support/readmeExample.js';
import { startServer } from '../../adapters/http/httpTestServer.js';

describe('the README example of a worker over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-remote-worker-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs against a live serve: the job Completed, its result readable', async () => {
    const s = await startServer(`sqlite:${join(dir, 'ledger.db')}`);
    try {
      expect(await remoteWorkerExample(s.url, join(dir, 'cache'))).toEqual({
        status: { _tag: 'Right', right: 'Completed' },
        result: { _tag: 'Right', right: '24 frames rendered' },
      });
    } finally {
      await s.stop();
    }
  });

  it('is the code shown in the README', () => {
    expect(readmeCodeUnder('### Workers over HTTP')).toBe(
      exampleAsShown('remoteWorker.ts', '  return { status, result };', {
        "url: serveUrl, token: 'agent-token', cacheDir":
          "url: 'http://127.0.0.1:8080', token: process.env.AGENT_TOKEN!",
        "url: serveUrl, token: 'alice-token', cacheDir":
          "url: 'http://127.0.0.1:8080', token: process.env.ALICE_TOKEN!",
      }),
    );
  });
});
