// The README's Postgres failover example, run by test/adapters/postgres/failoverExample.test.ts (there the first
// host is down and the second is the test server). A primary and its standbys in one URL: the store writes to
// whichever is writable and follows it through a failover.
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger, currentStatus, openStore } from 'jobledger';

export const postgresFailover = async (url: string) => {
  const ledger = createJobLedger({ store: openStore(url) });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  // During a failover this waits (up to failover_timeout) for the new primary instead of failing; had its
  // connection broken after the command was sent, the store would read the job's events back before answering.
  const created = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
  if (E.isLeft(created)) throw new Error(created.left.message); // a StoreError: the failover did not finish
  await ledger.close()();
  return currentStatus(created.right); // 'Pending'
};
