import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { proofProblem, type ProofProblem } from './proofProblem.js';

/**
 * A signed tree head: the root of the Merkle tree over the first `treeSize` events of the global log, when it
 * was signed, and an Ed25519 signature by the key `keyId` names.
 */
export interface LedgerDigest {
  readonly treeSize: number;
  /** MTH of the first `treeSize` leaves (RFC 9162), hex. */
  readonly rootHash: string;
  /** When the ledger signed it (ISO-8601). */
  readonly timestamp: string;
  /** Ed25519 over {@link digestMessage}, base64. */
  readonly signature: string;
  /** The first 16 bytes of sha256 of the public key (SPKI DER), hex. */
  readonly keyId: string;
}

/** A key as callers hand it: a `KeyObject`, or PEM text. */
export type KeyInput = KeyObject | string;

/** The bytes a digest signs: a versioned line per field, so no field can be shifted into another. */
export const digestMessage = (d: Omit<LedgerDigest, 'signature'>): Buffer =>
  Buffer.from(`jobledger-digest/1\n${d.treeSize}\n${d.rootHash}\n${d.timestamp}\n${d.keyId}\n`, 'utf8');

const ed25519 = (key: KeyObject, what: string): KeyObject => {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(
      `${what} is a ${key.asymmetricKeyType ?? key.type} key, not Ed25519; make one with jobledger keygen`,
    );
  return key;
};

/** A private Ed25519 key from a `KeyObject` or PEM text; throws a readable error for anything else. */
export const toSigningKey = (key: KeyInput): KeyObject => {
  if (typeof key !== 'string') {
    if (key.type !== 'private') throw new Error('signingKey must be a private key; got a public one');
    return ed25519(key, 'signingKey');
  }
  try {
    return ed25519(createPrivateKey(key), 'signingKey');
  } catch (error) {
    if (error instanceof Error && error.message.includes('Ed25519')) throw error;
    throw new Error('signingKey is not a private key in PEM; make one with jobledger keygen', {
      cause: error,
    });
  }
};

/** A public Ed25519 key from a `KeyObject` (public, or private to derive it from) or PEM text. */
export const toPublicKey = (key: KeyInput): E.Either<ProofProblem, KeyObject> => {
  try {
    const k =
      typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
    return E.right(ed25519(k, 'the public key'));
  } catch (error) {
    return E.left(
      proofProblem(
        'wrong-key',
        `the public key is not usable: ${error instanceof Error ? error.message : String(error)}; pass the .pub file jobledger keygen wrote`,
      ),
    );
  }
};

/** The id of a key: the first 16 bytes of sha256 of its public key (SPKI DER), hex. */
export const keyIdOf = (key: KeyObject): string =>
  createHash('sha256')
    .update((key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 32);

/** Signs a tree head with a private Ed25519 key. */
export const signDigest = (
  head: { readonly treeSize: number; readonly rootHash: string; readonly timestamp: string },
  privateKey: KeyObject,
): LedgerDigest => {
  const unsigned = { ...head, keyId: keyIdOf(privateKey) };
  return { ...unsigned, signature: sign(null, digestMessage(unsigned), privateKey).toString('base64') };
};

/** Checks that `digest` was signed by `publicKey`: the key id first (`wrong-key`), then the signature. */
export const checkDigestSignature = (
  digest: LedgerDigest,
  publicKey: KeyObject,
): E.Either<ProofProblem, LedgerDigest> => {
  const keyId = keyIdOf(publicKey);
  if (digest.keyId !== keyId)
    return E.left(
      proofProblem(
        'wrong-key',
        `the digest names key ${digest.keyId}, but the key given is ${keyId}; check it with the ledger's public key`,
      ),
    );
  const signature = Buffer.from(digest.signature, 'base64');
  // Canonical base64 only: a changed padding bit must not pass as the same signature.
  const ok =
    signature.length === 64 &&
    signature.toString('base64') === digest.signature &&
    verify(null, digestMessage(digest), publicKey, signature);
  return ok
    ? E.right(digest)
    : E.left(
        proofProblem(
          'signature',
          `the signature of digest ${digest.treeSize} does not verify: the digest (tree size, root, timestamp) or its signature was changed`,
        ),
      );
};
