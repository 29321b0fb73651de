/**
 * `jobledger/client`: the ledger over HTTP, for services and agents that must not hold store credentials.
 *
 * @example
 * import { createJobLedgerClient } from 'jobledger/client';
 * const client = createJobLedgerClient({ url: 'http://127.0.0.1:8080', token: 'alice-token' });
 */
export {
  createJobLedgerClient,
  type JobLedgerClient,
  type JobLedgerClientOptions,
  type CacheCleanup,
} from './adapters/client/createJobLedgerClient.js';
export { defaultCacheDir, type CacheStats } from './adapters/client/fileCache.js';
export type { RetryOptions } from './adapters/client/httpTransport.js';
export type { GetJobForAgentInput } from './adapters/client/remoteStatusCalls.js';
