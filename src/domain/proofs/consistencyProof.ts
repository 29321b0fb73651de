import * as E from 'fp-ts/lib/Either.js';
import { decodeWith } from '../codecs/decode.js';
import { consistencyProofCodec } from '../codecs/proofs.js';
import { verifyConsistency } from '../merkle.js';
import { proofProblem, type ProofProblem } from './proofProblem.js';
import { checkDigestSignature, toPublicKey, type KeyInput, type LedgerDigest } from './signedDigest.js';

/** The proof that the log `oldDigest` signs is a prefix of the log `newDigest` signs (RFC 9162 2.1.4). */
export interface ConsistencyProof {
  readonly format: 'jobledger-consistency-proof/1';
  readonly oldDigest: LedgerDigest;
  readonly newDigest: LedgerDigest;
  /** The consistency path, hex. */
  readonly path: readonly string[];
}

/**
 * Checks a consistency proof offline: both signatures by `publicKey`, and that the old tree is a prefix of the
 * new one. Answers the two digests, or the first failure.
 *
 * @example
 * const checked = checkConsistencyProof(await ledger.proveConsistency(monday, today)(), publicKeyPem);
 */
export const checkConsistencyProof = (
  proof: unknown,
  publicKey: KeyInput,
): E.Either<ProofProblem, { readonly oldDigest: LedgerDigest; readonly newDigest: LedgerDigest }> => {
  const decoded = decodeWith(consistencyProofCodec, 'proof')(proof);
  if (E.isLeft(decoded)) return E.left(proofProblem('malformed', decoded.left.message));
  const p = decoded.right as ConsistencyProof;
  const key = toPublicKey(publicKey);
  if (E.isLeft(key)) return key;
  for (const d of [p.oldDigest, p.newDigest]) {
    const signed = checkDigestSignature(d, key.right);
    if (E.isLeft(signed)) return signed;
  }
  const ok = verifyConsistency(
    p.oldDigest.treeSize,
    p.newDigest.treeSize,
    p.path.map((h) => Buffer.from(h, 'hex')),
    Buffer.from(p.oldDigest.rootHash, 'hex'),
    Buffer.from(p.newDigest.rootHash, 'hex'),
  );
  return ok
    ? E.right({ oldDigest: p.oldDigest, newDigest: p.newDigest })
    : E.left(
        proofProblem(
          'inclusion',
          `the log of digest ${p.oldDigest.treeSize} is not a prefix of the log of digest ${p.newDigest.treeSize}: the log was rewritten between them, or the path was changed`,
        ),
      );
};

/** Whether two digests sign the same tree (size and root); timestamps and signatures may differ. */
export const sameTree = (a: LedgerDigest, b: LedgerDigest): boolean =>
  a.treeSize === b.treeSize && a.rootHash === b.rootHash;
