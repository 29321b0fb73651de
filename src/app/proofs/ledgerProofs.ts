import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { ledgerDigestCodec } from '../../domain/codecs/proofs.js';
import { JobError } from '../../domain/errors.js';
import type { EventStore } from '../../domain/EventStore.js';
import { createMerkleTree } from '../../domain/merkleTree.js';
import type { ConsistencyProof } from '../../domain/proofs/consistencyProof.js';
import { eventLeaf, type JobProof, type ProvenEvent } from '../../domain/proofs/jobProof.js';
import { checkDigestSignature, signDigest, type LedgerDigest } from '../../domain/proofs/signedDigest.js';
import { jobStreamId } from '../../domain/storedEvent.js';
import type { VerifyProblem } from '../../domain/verifyStream.js';
import { createLedgerTree } from './ledgerTree.js';

const hex = (b: Buffer): string => b.toString('hex');

const invalid = (path: string, message: string) => JobError.validation([{ path, message }]);

const failed = (what: string) => (cause: unknown) =>
  JobError.store(`${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause);

/**
 * The ledger's audit proofs: signed digests of the Merkle tree over the global log, inclusion proofs of a job's
 * events, consistency proofs between digests, and the check of a digest against the log for `verify`.
 * @internal
 */
export const createLedgerProofs = (deps: {
  readonly store: EventStore;
  readonly clock: () => Date;
  readonly signingKey: KeyObject | undefined;
}) => {
  const ledgerTree = createLedgerTree(deps.store);
  const { tree } = ledgerTree;

  /** The digest decoded, signed by our key (when we have one), and of a prefix of our log. */
  const ownDigest = async (input: unknown, path: string): Promise<E.Either<JobError, LedgerDigest>> => {
    const decoded = decodeWith(ledgerDigestCodec, path)(input);
    if (E.isLeft(decoded)) return decoded;
    const d = decoded.right;
    if (deps.signingKey !== undefined) {
      const signed = checkDigestSignature(d, deps.signingKey);
      if (E.isLeft(signed)) return E.left(invalid(path, signed.left.message));
    }
    const size = await ledgerTree.catchUp();
    if (d.treeSize > size)
      return E.left(
        invalid(
          `${path}.treeSize`,
          `digest ${d.treeSize} is ahead of this log (${size} events); is it of another ledger?`,
        ),
      );
    if (hex(tree.root(d.treeSize)) !== d.rootHash)
      return E.left(
        JobError.conflict(
          `digest ${d.treeSize} does not match this log: its first ${d.treeSize} events hash to ${hex(tree.root(d.treeSize))}, not ${d.rootHash}; the log was rewritten since, or the digest is of another ledger (run jobledger verify --digest)`,
        ),
      );
    return E.right(d);
  };

  const digest = (): TE.TaskEither<JobError, LedgerDigest> => async () => {
    if (deps.signingKey === undefined)
      return E.left(
        invalid(
          'signingKey',
          'this ledger has no signing key: pass signingKey to createJobLedger (or --signing-key / JOBLEDGER_SIGNING_KEY_FILE; jobledger keygen writes one)',
        ),
      );
    try {
      const size = await ledgerTree.catchUp();
      return E.right(
        signDigest(
          { treeSize: size, rootHash: hex(tree.root(size)), timestamp: deps.clock().toISOString() },
          deps.signingKey,
        ),
      );
    } catch (cause) {
      return E.left(failed('digest')(cause));
    }
  };

  const proveJob =
    (jobId: string, against?: LedgerDigest): TE.TaskEither<JobError, JobProof> =>
    async () => {
      try {
        let d: E.Either<JobError, LedgerDigest>;
        if (against === undefined) d = await digest()();
        else d = await ownDigest(against, 'digest');
        if (E.isLeft(d)) return d;
        const { treeSize } = d.right;
        const streamId = jobStreamId(jobId);
        const leaves = ledgerTree.leavesOf(streamId);
        const events: ProvenEvent[] = [];
        for await (const event of deps.store.readStream(streamId)) {
          const leafIndex = leaves[event.version];
          if (leafIndex === undefined || leafIndex >= treeSize) break;
          // The position is the store's own and is not hashed: a proof carries the leaf index instead.
          const { position: _position, ...proven } = event;
          events.push({ leafIndex, path: tree.inclusionPath(leafIndex, treeSize).map(hex), event: proven });
        }
        if (events.length === 0) return E.left(JobError.notFound('job', jobId));
        return E.right({ format: 'jobledger-job-proof/1', jobId, digest: d.right, events });
      } catch (cause) {
        return E.left(failed('proveJob')(cause));
      }
    };

  const proveConsistency =
    (oldInput: LedgerDigest, newInput: LedgerDigest): TE.TaskEither<JobError, ConsistencyProof> =>
    async () => {
      try {
        const oldDigest = await ownDigest(oldInput, 'oldDigest');
        if (E.isLeft(oldDigest)) return oldDigest;
        const newDigest = await ownDigest(newInput, 'newDigest');
        if (E.isLeft(newDigest)) return newDigest;
        if (oldDigest.right.treeSize > newDigest.right.treeSize)
          return E.left(
            invalid(
              'oldDigest.treeSize',
              `the old digest (${oldDigest.right.treeSize}) is larger than the new one (${newDigest.right.treeSize}); swap them`,
            ),
          );
        return E.right({
          format: 'jobledger-consistency-proof/1',
          oldDigest: oldDigest.right,
          newDigest: newDigest.right,
          path: tree.consistencyPath(oldDigest.right.treeSize, newDigest.right.treeSize).map(hex),
        });
      } catch (cause) {
        return E.left(failed('proveConsistency')(cause));
      }
    };

  /**
   * Reads the log as it is now and compares the tree of its first `treeSize` events with a signed digest: a
   * stream rewritten consistently (every hash redone) passes the chain check but not this one.
   */
  const checkLog = async (d: LedgerDigest, publicKey: KeyObject | undefined): Promise<VerifyProblem[]> => {
    const problem = (detail: string): VerifyProblem[] => [
      { streamId: '$all', version: d.treeSize, kind: 'digest-mismatch', detail },
    ];
    if (publicKey !== undefined) {
      const signed = checkDigestSignature(d, publicKey);
      if (E.isLeft(signed)) return problem(signed.left.message);
    }
    const fresh = createMerkleTree();
    if (d.treeSize > 0)
      for await (const event of deps.store.readAll({ batchSize: 5000 })) {
        fresh.append(eventLeaf(event));
        if (fresh.size === d.treeSize) break;
      }
    if (fresh.size < d.treeSize)
      return problem(
        `the digest signs ${d.treeSize} events, but the log holds only ${fresh.size}: events were removed`,
      );
    const root = hex(fresh.root());
    return root === d.rootHash
      ? []
      : problem(
          `the first ${d.treeSize} events hash to ${root}, not to the signed root ${d.rootHash}: the log was rewritten after the digest of ${d.timestamp}; restore it from a copy that matches`,
        );
  };

  return { digest, proveJob, proveConsistency, checkLog, reset: ledgerTree.reset };
};
