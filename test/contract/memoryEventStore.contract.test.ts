import { memoryEventStore } from '../../src/adapters/memory/memoryEventStore.js';
import { eventStoreContract } from '../../src/testing/eventStoreContract.js';

eventStoreContract('memory', () => memoryEventStore());
