import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { remoteClientExample } from '../../../examples/remoteClient.js';
import { exampleAsShown, readmeCodeUnder } from '../../support/readmeExample.js';
import { startServer } from '../http/httpTestServer.js';

describe('the README example of the remote client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-client-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs against a live serve', async () => {
    const s = await startServer(`sqlite:${join(dir, 'ledger.db')}`);
    try {
      const r = await remoteClientExample(s.url, join(dir, 'cache'));
      expect(r.claimed).toMatchObject({ _tag: 'Right', right: { agentId: 'agent-1' } });
      expect(r.params).toEqual({ _tag: 'Right', right: { frames: 24 } });
      expect(r.status).toEqual({ _tag: 'Right', right: 'Completed' });
      expect(r.result).toEqual({ _tag: 'Right', right: '24 frames' });
      expect(r.missing).toMatchObject({ _tag: 'Left', left: { _tag: 'NotFound' } });
      expect(r.cache).toMatchObject({ _tag: 'Right', right: { entries: 2, hits: 0, misses: 1 } });
    } finally {
      await s.stop();
    }
  });

  it('is the code shown in the README', () => {
    expect(readmeCodeUnder('## Remote client')).toBe(
      exampleAsShown('remoteClient.ts', '  return { claimed', {
        "url: serveUrl, token: 'alice-token', cacheDir":
          "url: 'http://127.0.0.1:8080', token: process.env.ALICE_TOKEN!",
        "url: serveUrl, token: 'agent-token', cacheDir":
          "url: 'http://127.0.0.1:8080', token: process.env.AGENT_TOKEN!",
      }),
    );
  });
});
