import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { JobError } from '../domain/errors.js';
import type { EventStore } from '../domain/EventStore.js';
import type { JobStatusName } from '../domain/JobStatusName.js';
import { systemPrincipal, type Principal, type SystemPrincipal } from '../domain/principal.js';
import { defaultUpcasters, type UpcasterRegistry } from '../domain/upcasters.js';
import type { VerifyReport } from '../domain/verifyStream.js';
import { decodeWith } from '../domain/codecs/decode.js';
import { inputCodecs } from '../domain/codecs/inputs.js';
import { ledgerDigestCodec } from '../domain/codecs/proofs.js';
import { rebuildReadModel } from '../projections/projectionRunner.js';
import { hasReadModel, type ProjectionProgress, type ReadModelStore } from '../projections/ReadModelStore.js';
import { handleCommand } from './handleCommand.js';
import type { JobLedgerSession } from './JobLedgerSession.js';
import { createSession } from './session/createSession.js';
import type { LedgerContext } from './LedgerContext.js';
import { createLiveFeed, type LiveFeed } from './liveFeed.js';
import { verifyLedger, type VerifyProgress } from './verifyLedger.js';
import type { BlobStore, CacheStats } from './BlobStore.js';
import { defaultBlobStore } from './defaultBlobStore.js';
import { ledgerTelemetry } from './telemetry/ledgerTelemetry.js';
import type { JobLedgerTelemetry } from './telemetry/telemetryInstruments.js';
import type { ConsistencyProof } from '../domain/proofs/consistencyProof.js';
import type { JobProof } from '../domain/proofs/jobProof.js';
import {
  toPublicKey,
  toSigningKey,
  type KeyInput,
  type LedgerDigest,
} from '../domain/proofs/signedDigest.js';
import { createLedgerProofs } from './proofs/ledgerProofs.js';

/** Options of {@link createJobLedger}. */
export interface JobLedgerOptions {
  /** The event store, from `openStore(url)`; it must keep a read model (every built-in store does). */
  readonly store: EventStore;
  /** The source of time (default: `() => new Date()`). */
  readonly clock?: () => Date;
  /** The source of ids for jobs, statuses, comments and grants (default: random UUIDs). */
  readonly ids?: () => string;
  /** How long a claim lasts without a heartbeat or a report (default 60 000 ms). */
  readonly leaseMs?: number;
  /** Attempts of a command that keeps losing optimistic-concurrency races (default 10). */
  readonly maxAttempts?: number;
  /** Upcasters for events written with older schema versions. */
  readonly upcasters?: UpcasterRegistry;
  /**
   * Where file contents live (content addressed by sha256). Default from the store: `jobledger-files/` beside a
   * SQLite file, memory for `memory:`, tables in the same schema (behind a local disk cache) for Postgres.
   * The ledger closes it on `close()`.
   */
  readonly files?: BlobStore;
  /** The largest file content a call may store, in bytes (default 4 GiB). */
  readonly maxFileBytes?: number;
  /**
   * OpenTelemetry spans and metrics, through `@opentelemetry/api` (see README, Telemetry): by default to the
   * globally registered providers (the API's no-op when none is), or to the providers given here; `false`
   * leaves the store and sessions unwrapped.
   */
  readonly telemetry?: JobLedgerTelemetry | false;
  /**
   * Told of every failure the live feed (`ledger.feed`) recovers from by itself: a store subscription that
   * failed and was opened again, a feed listener that threw. Default: nothing is said, and
   * `ledger.feed.stats().lastError` holds the last one.
   */
  readonly onFeedError?: (error: unknown) => void;
  /**
   * The Ed25519 private key that signs digests (`ledger.digest()`), as a `KeyObject` or PEM text; `jobledger
   * keygen` writes one. Without it the ledger still proves, but cannot sign new digests.
   */
  readonly signingKey?: KeyInput;
}

/** A job whose lease ran out, and where `expireLeases` moved it. */
export interface ExpiredLease {
  readonly jobId: string;
  readonly agentId: string | null;
  readonly from: JobStatusName;
  readonly to: JobStatusName;
}

/** The ledger: sessions per principal, plus the ledger-wide operations. */
export interface JobLedger {
  /** The calls of DESIGN section 4 on behalf of `principal`. */
  as(principal: Principal, options?: { correlationId?: string }): JobLedgerSession;
  /** The system principal's session: sees and may do everything. */
  readonly system: JobLedgerSession;
  /** Moves every job whose lease expired at `now`: Claimed/Validating -> Pending, Running/Uploading -> Unknown. */
  expireLeases(now?: Date): TE.TaskEither<JobError, readonly ExpiredLease[]>;
  /** Rebuilds every projection from the log. */
  rebuildProjections(options?: {
    onProgress?: (p: ProjectionProgress) => void;
  }): TE.TaskEither<JobError, ProjectionProgress>;
  /**
   * Re-checks every hash and re-runs every job stream through the machine. Given a `digest` it also recomputes
   * the Merkle tree of the log and compares it with the signed root (checking the signature with `publicKey`,
   * default the ledger's own key): a stream rewritten consistently is reported as `digest-mismatch`.
   */
  verify(options?: {
    onProgress?: (p: VerifyProgress) => void;
    /**
     * Worker threads that verify beside this one (0: all on one thread). On a SQLite file each thread opens the
     * log and verifies its own part of the streams (default: the cores but one); on other stores this thread
     * reads and hands streams to the threads (default: the cores but one on machines of four cores or more,
     * none below). Logs under 20,000 events stay on one thread. The report is the same either way.
     *
     * @example
     * const report = await ledger.verify({ threads: 0 })(); // one thread, e.g. inside a busy server
     */
    threads?: number;
    digest?: LedgerDigest;
    publicKey?: KeyInput;
  }): TE.TaskEither<JobError, VerifyReport>;
  /**
   * A signed tree head over the whole log as it is now (needs `signingKey`).
   *
   * @example
   * const ledger = createJobLedger({ store: openStore('memory:'), signingKey: readFileSync('ledger.key', 'utf8') });
   * const digest = await ledger.digest()(); // Right({ treeSize, rootHash, timestamp, signature, keyId })
   */
  digest(): TE.TaskEither<JobError, LedgerDigest>;
  /**
   * Every event of a job with its inclusion proof against `digest` (default: a fresh digest). Check it offline
   * with `checkJobProof(proof, publicKey)`.
   *
   * @example
   * const proof = await ledger.proveJob(jobId, digest)();
   * // E.isRight(proof) && checkJobProof(proof.right, publicKeyPem)
   */
  proveJob(jobId: string, digest?: LedgerDigest): TE.TaskEither<JobError, JobProof>;
  /**
   * The proof that the log `oldDigest` signed is a prefix of the log `newDigest` signed; check it offline with
   * `checkConsistencyProof(proof, publicKey)`.
   */
  proveConsistency(
    oldDigest: LedgerDigest,
    newDigest: LedgerDigest,
  ): TE.TaskEither<JobError, ConsistencyProof>;
  /** Stops waiters and closes the store. */
  close(): TE.TaskEither<JobError, void>;
  /** The store this ledger writes to. */
  readonly store: EventStore;
  /**
   * The ledger's one live subscription to its store, shared by every watcher in this process (`pollJob`, the
   * HTTP event streams, waiting workers): listen here rather than calling `store.subscribe`, so that a commit
   * costs the same however many watch (see {@link LiveFeed}).
   *
   * @example
   * const stop = ledger.feed.listenAll((event) => console.log(event.streamId, event.type));
   * stop();
   */
  readonly feed: LiveFeed;
  /** Where this ledger keeps file contents. */
  readonly files: BlobStore;
  /**
   * The local file cache: entries, bytes, hits and misses since the ledger opened. All zero for blob stores on
   * the local disk or in memory, which need no cache.
   */
  getCacheStats(): TE.TaskEither<JobError, CacheStats>;
  /** Empties the local file cache and answers its stats afterwards (entries and bytes 0). */
  cleanupCache(): TE.TaskEither<JobError, CacheStats>;
}

const storeError = (what: string) => (cause: unknown) =>
  JobError.store(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause);

/**
 * Creates the ledger service over a store.
 *
 * @example
 * import { createJobLedger, openStore } from 'jobledger';
 * const ledger = createJobLedger({ store: openStore('memory:') });
 * const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
 * const job = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
 * // job is an Either: E.isRight(job) && job.right.statusHistory.map((s) => s.name) -> ['Created', 'Pending']
 */
export const createJobLedger = (options: JobLedgerOptions): JobLedger => {
  if (!hasReadModel(options.store)) {
    throw new Error(
      `store ${options.store.description} keeps no read model; open it with openStore(url), which adds one`,
    );
  }
  const telemetry = ledgerTelemetry(options.telemetry, options.store.description);
  const store = telemetry.store(options.store);
  const readModel: ReadModelStore = store.readModel;
  const leaseMs = options.leaseMs ?? 60_000;
  if (!Number.isInteger(leaseMs) || leaseMs <= 0)
    throw new Error(`leaseMs must be a positive integer, got ${leaseMs}`);
  const maxFileBytes = options.maxFileBytes ?? 4 * 2 ** 30;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 0)
    throw new Error(`maxFileBytes must be a non-negative integer, got ${maxFileBytes}`);
  const ctx: LedgerContext = {
    store,
    readModel,
    clock: options.clock ?? (() => new Date()),
    ids: options.ids ?? randomUUID,
    leaseMs,
    maxAttempts: options.maxAttempts ?? 10,
    upcasters: options.upcasters ?? defaultUpcasters,
    feed: createLiveFeed(store, {
      head: () => readModel.checkpoint(),
      ...(options.onFeedError !== undefined && { onError: options.onFeedError }),
    }),
    files: options.files ?? defaultBlobStore(store),
    maxFileBytes,
  };
  const signingKey = options.signingKey === undefined ? undefined : toSigningKey(options.signingKey);
  const proofs = createLedgerProofs({ store, clock: ctx.clock, signingKey });
  const noCache: CacheStats = { entries: 0, bytes: 0, hits: 0, misses: 0, maxBytes: 0 };
  const as = (principal: Principal, sessionOptions?: { correlationId?: string }): JobLedgerSession => {
    const decoded = decodeWith(inputCodecs.principal, 'principal')(principal);
    if (E.isLeft(decoded)) {
      // Errors are values: a session for a malformed principal answers every call with the ValidationError.
      const error = decoded.left;
      return new Proxy({ principal } as JobLedgerSession, {
        get: (target, key) => (key === 'principal' ? target.principal : () => async () => E.left(error)),
      });
    }
    return telemetry.session(createSession(ctx, decoded.right as Principal, sessionOptions));
  };
  const system: SystemPrincipal = systemPrincipal;

  return {
    store,
    feed: ctx.feed,
    files: ctx.files,
    getCacheStats: () => async () => E.right(ctx.files.cacheStats?.() ?? noCache),
    cleanupCache: () => async () => {
      try {
        return E.right((await ctx.files.cleanupCache?.()) ?? noCache);
      } catch (cause) {
        return E.left(storeError('cleanupCache')(cause));
      }
    },
    as,
    system: telemetry.session(createSession(ctx, system)),
    expireLeases: (now) => async () => {
      const at = now ?? ctx.clock();
      const expired: ExpiredLease[] = [];
      try {
        for (;;) {
          const ids = await readModel.expiredLeases(at, 500);
          let moved = 0;
          for (const jobId of ids) {
            const before = await readModel.getJob(jobId);
            const r = await handleCommand(
              ctx,
              jobId,
              { principal: system, now: at },
              { type: 'ExpireLease' },
            )();
            if (E.isLeft(r)) return r;
            if (before?.status != null && r.right.status !== before.status) {
              moved++;
              expired.push({
                jobId,
                agentId: before.job?.agentId ?? null,
                from: before.status,
                to: r.right.status!,
              });
            }
          }
          if (ids.length < 500 || moved === 0) break;
        }
        return E.right(expired);
      } catch (cause) {
        return E.left(storeError('expireLeases')(cause));
      }
    },
    rebuildProjections:
      (opts = {}) =>
      async () => {
        try {
          await proofs.reset();
          const progress = store.rebuildReadModel
            ? await store.rebuildReadModel(opts.onProgress)
            : await rebuildReadModel(store, readModel, {
                ...(opts.onProgress && { onProgress: opts.onProgress }),
              });
          return E.right(progress);
        } catch (cause) {
          return E.left(storeError('rebuildProjections')(cause));
        }
      },
    verify:
      (opts = {}) =>
      async () => {
        try {
          const report = await verifyLedger(store, ctx.upcasters, opts.onProgress, ctx.files, {
            ...(opts.threads !== undefined && { threads: opts.threads }),
          });
          if (opts.digest === undefined) return E.right(report);
          const digest = decodeWith(ledgerDigestCodec, 'digest')(opts.digest);
          if (E.isLeft(digest)) return digest;
          let publicKey = signingKey;
          if (opts.publicKey !== undefined) {
            const key = toPublicKey(opts.publicKey);
            if (E.isLeft(key))
              return E.left(JobError.validation([{ path: 'publicKey', message: key.left.message }]));
            publicKey = key.right;
          }
          const problems = [...report.problems, ...(await proofs.checkLog(digest.right, publicKey))];
          return E.right({ ...report, ok: problems.length === 0, problems });
        } catch (cause) {
          return E.left(storeError('verify')(cause));
        }
      },
    digest: proofs.digest,
    proveJob: proofs.proveJob,
    proveConsistency: proofs.proveConsistency,
    close: () => async () => {
      telemetry.close();
      ctx.feed.close();
      try {
        await ctx.files.close();
        await store.close();
        return E.right(undefined);
      } catch (cause) {
        return E.left(storeError('close')(cause));
      }
    },
  };
};
