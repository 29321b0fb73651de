import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobLedgerClient } from '../../../src/client.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { principals, startServer } from '../http/httpTestServer.js';
import { sessionBehaviour } from './sessionBehaviour.js';

sessionBehaviour('in process', async () => {
  const ledger = createJobLedger({ store: openStore('memory:') });
  return {
    alice: ledger.as(principals['alice-token']),
    admin: ledger.as(principals['admin-token']),
    bob: ledger.as(principals['bob-t2-token']),
    agent: ledger.as(principals['agent-token']),
    stop: async () => void (await ledger.close()()),
  };
});

sessionBehaviour('remote client', async () => {
  const server = await startServer();
  const cacheDir = mkdtempSync(join(tmpdir(), 'jobledger-client-cache-'));
  const client = (token: keyof typeof principals) =>
    createJobLedgerClient({ url: server.url, token, cacheDir });
  const clients = {
    alice: client('alice-token'),
    admin: client('admin-token'),
    bob: client('bob-t2-token'),
    agent: client('agent-token'),
  };
  return {
    ...clients,
    stop: async () => {
      await Promise.all(Object.values(clients).map((c) => c.close()));
      await server.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
});
