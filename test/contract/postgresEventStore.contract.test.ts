import { afterAll } from 'vitest';
import { eventStoreContract } from '../../src/testing/eventStoreContract.js';
import { describePg, freshSchema, pgStores } from '../adapters/postgres/pgTestServer.js';

describePg('postgres event store', () => {
  const stores = pgStores();
  afterAll(() => stores.cleanup());

  // A new store object (pool) per test on one schema per suite: the first one migrates it.
  const schema = freshSchema('contract');
  eventStoreContract('postgres', () => stores.open(schema, { poolSize: 10 }));

  // Every append decided while holding the stream's lock (the path commands take on a hot stream).
  const lockedSchema = freshSchema('contract_locked');
  eventStoreContract('postgres, locked appends', () =>
    stores.open(lockedSchema, { poolSize: 10, optimisticAttempts: 0 }),
  );
});
