import * as t from 'io-ts';

/**
 * The codecs of audit proofs: what `checkJobProof` accepts from a file or a wire. A proof is read from outside,
 * so every field is checked before any hash is recomputed.
 */

const hex32 = new t.Type<string, string, unknown>(
  'a sha256 in hex (64 lowercase hex digits)',
  (u): u is string => typeof u === 'string' && /^[0-9a-f]{64}$/.test(u),
  (u, c) => (typeof u === 'string' && /^[0-9a-f]{64}$/.test(u) ? t.success(u) : t.failure(u, c)),
  (a) => a,
);

const treeSize = new t.Type<number, number, unknown>(
  'a non-negative integer',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  (a) => a,
);

/** A signed tree head: see `LedgerDigest`. */
export const ledgerDigestCodec = t.readonly(
  t.type({
    treeSize,
    rootHash: hex32,
    timestamp: t.string,
    signature: t.string,
    keyId: t.string,
  }),
);

const actorCodec = t.type({ kind: t.keyof({ user: null, agent: null, system: null }), id: t.string });

/** A stored event as a proof carries it: `StoredEvent` without the store's own `position`. */
export const provenEventCodec = t.type({
  eventId: t.string,
  streamId: t.string,
  version: treeSize,
  type: t.string,
  schemaVersion: t.number,
  data: t.unknown,
  metadata: t.intersection([
    t.type({ recordedAt: t.string, actor: actorCodec, prevHash: t.string, hash: hex32 }),
    t.partial({ correlationId: t.string, causationId: t.string }),
  ]),
});

/** One event of a job proof, its place in the log, and its inclusion path (hex, nearest sibling first). */
export const provenEntryCodec = t.type({
  leafIndex: treeSize,
  path: t.array(hex32),
  event: provenEventCodec,
});

/** The proof of one job's events against a digest. */
export const jobProofCodec = t.type({
  format: t.literal('jobledger-job-proof/1'),
  jobId: t.string,
  digest: ledgerDigestCodec,
  events: t.array(provenEntryCodec),
});

/** The proof that the log of one digest is a prefix of the log of another. */
export const consistencyProofCodec = t.type({
  format: t.literal('jobledger-consistency-proof/1'),
  oldDigest: ledgerDigestCodec,
  newDigest: ledgerDigestCodec,
  path: t.array(hex32),
});
