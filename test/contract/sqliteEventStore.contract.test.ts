import { afterAll } from 'vitest';
import { sqliteEventStore } from '../../src/adapters/sqlite/sqliteEventStore.js';
import { eventStoreContract } from '../../src/testing/eventStoreContract.js';
import { tempDatabases } from '../adapters/sqlite/tempDatabase.js';

const databases = tempDatabases();
afterAll(() => databases.cleanup());

eventStoreContract('sqlite', () => sqliteEventStore({ file: databases.file() }));
