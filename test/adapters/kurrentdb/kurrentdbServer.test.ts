import { describe, expect, it } from 'vitest';
import { kurrentdbEventStore } from '../../../src/adapters/kurrentdb/kurrentdbEventStore.js';
import { parseKurrentdbUrl } from '../../../src/adapters/kurrentdb/kurrentdbUrl.js';
import { openKurrentStore } from '../../../src/adapters/kurrentdb/openKurrentStore.js';
import { eventStoreContract } from '../../../src/testing/eventStoreContract.js';
import { ok, smallJob, testLedger } from '../../app/support.js';

/**
 * Against a real KurrentDB server only: set JOBLEDGER_KURRENTDB_URL (for instance
 * `kurrentdb://localhost:2113?tls=false`, a server started with
 * `docker run --rm -p 2113:2113 docker.kurrent.io/kurrent-latest/kurrentdb:latest --insecure`).
 */
const url = process.env.JOBLEDGER_KURRENTDB_URL;
const skipMessage =
  'skipped: set JOBLEDGER_KURRENTDB_URL=kurrentdb://host:2113?tls=false to run against a real server';

if (url === undefined || url === '') {
  console.log(`KurrentDB server tests ${skipMessage}`);
  describe.skip(`KurrentDB server tests (${skipMessage})`, () => {
    it('event-store contract and read-your-writes through openKurrentStore', () => undefined);
  });
} else {
  const { connectionString, description } = parseKurrentdbUrl(url);
  // The contract's streams are `contract-…` and `swarm-…`; the ledger's `job-…`.
  eventStoreContract('kurrentdb', () =>
    kurrentdbEventStore({
      connectionString,
      description,
      streamPrefixes: ['contract-', 'swarm-', 'job-'],
    }),
  );

  describe('openKurrentStore (KurrentDB server, SQLite read model in memory)', () => {
    it('a command is visible in the read model right after it (read your own writes)', async () => {
      const store = openKurrentStore(url);
      try {
        const { alice } = testLedger(store, { ids: () => crypto.randomUUID() });
        const job = await ok(alice.createJob(smallJob));
        expect((await store.readModel.getJob(job.id))?.job?.id).toBe(job.id);
        expect(store.description).not.toContain('@');
      } finally {
        await store.close();
      }
    }, 60_000);
  });
}
