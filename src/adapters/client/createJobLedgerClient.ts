import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { createJobHandle } from '../../app/jobHandle.js';
import type { JobLedgerSession } from '../../app/JobLedgerSession.js';
import { JobError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { decodePrincipal } from './answerCodecs.js';
import { createFileCache, defaultCacheDir, type CacheStats } from './fileCache.js';
import {
  createHttpTransport,
  type HttpTransport,
  type RemoteRequest,
  type RetryOptions,
} from './httpTransport.js';
import { remoteAccessCalls } from './remoteAccessCalls.js';
import { remoteFileCalls } from './remoteFileCalls.js';
import { remoteJobCalls } from './remoteJobCalls.js';
import { createRemoteKit } from './remoteKit.js';
import { remoteStatusCalls, type RemoteClaim } from './remoteStatusCalls.js';

/** Options of {@link createJobLedgerClient}. */
export interface JobLedgerClientOptions {
  /** The base URL of `jobledger serve` (`http://127.0.0.1:8080`). */
  readonly url: string;
  /** A bearer token of the server's tokens file. It is sent, never written into a message. */
  readonly token: string;
  /** The local file cache (default: the user's cache directory + `jobledger/`). */
  readonly cacheDir?: string;
  /** The cache's bound in bytes (default 1 GiB): least recently used files go first. */
  readonly cacheMaxBytes?: number;
  /** The fetch to use (default: the platform's). */
  readonly fetch?: typeof fetch;
  /** How long one request may take before its answer counts as lost, in ms (default 30 s; long polls add their wait). */
  readonly timeoutMs?: number;
  /** Retries of lost answers (default 4 tries in all, 100 ms doubling to 2 s, full jitter). */
  readonly retry?: RetryOptions;
  /** Where a cache problem is reported, once (default: a process warning). */
  readonly onCacheProblem?: (message: string) => void;
}

/**
 * What `cleanupCache()` answers: the cache's stats after it (as the ledger's and a job handle's `cleanupCache`),
 * and what it removed.
 */
export interface CacheCleanup extends CacheStats {
  /** Files and bytes removed. */
  readonly removed: number;
  readonly removedBytes: number;
}

/**
 * A {@link JobLedgerSession} over HTTP, plus its local file cache and `close()`. `principal` is known once
 * `connect()` (or any call) has answered.
 */
export interface JobLedgerClient extends Omit<JobLedgerSession, 'getJobForAgent'> {
  /**
   * For agents: as the session's, and it may wait up to `waitMs` for a claimable job (long poll). With `max`,
   * up to that many jobs, claimed one request after the other (the first may wait).
   */
  getJobForAgent: RemoteClaim;
  /** Checks the URL and the token, and learns the principal the token stands for. */
  connect(): TE.TaskEither<JobError, Principal>;
  /** The local file cache: its size, bound, hits, misses and tampered entries of this client. */
  getCacheStats(): TE.TaskEither<JobError, CacheStats>;
  /** Removes every cached file (other processes sharing the directory just download again). */
  cleanupCache(): TE.TaskEither<JobError, CacheCleanup>;
  /**
   * The same client, whose commands all carry `key` as their Idempotency-Key (instead of one new key per call):
   * for a caller that must repeat a command safely across its own restarts.
   *
   * @example
   * await client.withIdempotencyKey(`order-${orderId}`).createJob(input)(); // at most one job per order
   */
  withIdempotencyKey(key: string): JobLedgerClient;
  /** Ends requests in flight; later calls answer a StoreError. */
  close(): Promise<void>;
}

/**
 * The remote client: the same calls as `ledger.as(principal)`, over the HTTP routes of `jobledger serve`, with the
 * same `JobError` tags and messages. Files stream both ways and are checked against their sha256 before their
 * bytes are handed out; downloads are kept in a content-addressed local cache.
 *
 * @example
 * import * as E from 'fp-ts/lib/Either.js';
 * import { createJobLedgerClient } from 'jobledger/client';
 *
 * const client = createJobLedgerClient({ url: 'http://127.0.0.1:8080', token: process.env.JOBLEDGER_TOKEN! });
 * const job = await client.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json', content: '{}' } })();
 * if (E.isRight(job)) console.log(await client.pollJob(job.right.id, { timeoutMs: 120_000 })());
 * await client.close();
 */
export const createJobLedgerClient = (options: JobLedgerClientOptions): JobLedgerClient => {
  if (typeof options.token !== 'string' || options.token.length === 0)
    throw new TypeError('createJobLedgerClient: token must be a non-empty string');
  const closing = new AbortController();
  const transport = createHttpTransport({ ...options, closed: closing.signal });
  let warned = false;
  const cache = createFileCache({
    dir: options.cacheDir ?? defaultCacheDir(),
    maxBytes: options.cacheMaxBytes ?? 1024 ** 3,
    onProblem:
      options.onCacheProblem ??
      ((message) => {
        if (!warned) process.emitWarning(message, { code: 'JOBLEDGER_CACHE' });
        warned = true;
      }),
  });
  let principal: Principal | undefined;
  const connect = (): TE.TaskEither<JobError, Principal> => async () => {
    const me = await transport.json(
      { method: 'GET', path: '/me', route: 'GET /me', command: false },
      decodePrincipal,
    );
    if (E.isRight(me)) principal = me.right;
    return me;
  };
  const guarded =
    <T>(what: string, run: () => Promise<T>): TE.TaskEither<JobError, T> =>
    async () => {
      try {
        return E.right(await run());
      } catch (cause) {
        return E.left(JobError.store(`${what} of ${cache.dir} failed: ${String(cause)}`, cause));
      }
    };

  const build = (key: string | undefined): JobLedgerClient => {
    const keyed = key === undefined ? transport : withKey(transport, key);
    const kit = createRemoteKit(keyed);
    const client: JobLedgerClient = {
      get principal(): Principal {
        if (principal === undefined)
          throw new Error(
            `the principal of ${transport.base} is not known yet: await client.connect()() first`,
          );
        return principal;
      },
      connect,
      ...remoteJobCalls(kit),
      ...remoteStatusCalls(kit),
      ...remoteAccessCalls(kit),
      ...remoteFileCalls(kit, cache),
      getCacheStats: () => guarded('reading the cache', cache.stats),
      cleanupCache: () =>
        guarded('cleaning the cache', async () => {
          const { removed, bytes } = await cache.cleanup();
          return { ...(await cache.stats()), removed, removedBytes: bytes };
        }),
      job: (id) => createJobHandle(client, id),
      withIdempotencyKey: (next) => build(next),
      close: async () => {
        closing.abort();
      },
    };
    return client;
  };
  return build(undefined);
};

/** A transport whose commands carry `key` as their Idempotency-Key. */
const withKey = (transport: HttpTransport, key: string): HttpTransport => {
  const keyed = (request: RemoteRequest): RemoteRequest =>
    request.command ? { ...request, idempotencyKey: key } : request;
  return {
    base: transport.base,
    send: (request) => transport.send(keyed(request)),
    json: (request, decode) => transport.json(keyed(request), decode),
  };
};
