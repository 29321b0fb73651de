import * as E from 'fp-ts/lib/Either.js';
import { decodeWith } from '../codecs/decode.js';
import { jobProofCodec } from '../codecs/proofs.js';
import { hashMatches } from '../hashChain.js';
import type { JobStatusName } from '../JobStatusName.js';
import { leafHash, verifyInclusion } from '../merkle.js';
import { foldJobStream } from '../replay.js';
import type { StoredEvent } from '../storedEvent.js';
import { jobStreamId } from '../storedEvent.js';
import { createStreamVerifier } from '../verifyStream.js';
import { proofProblem, type ProofProblem } from './proofProblem.js';
import { checkDigestSignature, toPublicKey, type KeyInput, type LedgerDigest } from './signedDigest.js';

/** One event of a job, where it sits in the log, and the path from its leaf to the digest's root. */
export interface ProvenEvent {
  /** The event's index in the global log (0-based): its leaf in the tree. */
  readonly leafIndex: number;
  /** The inclusion path (RFC 9162 2.1.3), hex, nearest sibling first. */
  readonly path: readonly string[];
  /** The event as stored, without its store-specific `position` (the leaf index says where it is). */
  readonly event: Omit<StoredEvent, 'position'>;
}

/** Every event of one job with its inclusion proof against one signed digest. JSON as it stands. */
export interface JobProof {
  readonly format: 'jobledger-job-proof/1';
  readonly jobId: string;
  readonly digest: LedgerDigest;
  readonly events: readonly ProvenEvent[];
}

/** What a checked proof establishes. */
export interface ProofSummary {
  readonly jobId: string;
  /** How many events of the job the proof carries (versions 0 .. events-1). */
  readonly events: number;
  /** The digest they are proven against. */
  readonly treeSize: number;
  readonly rootHash: string;
  readonly timestamp: string;
  readonly keyId: string;
  /** The job's status after the proven events. */
  readonly status: JobStatusName | null;
}

/** The leaf of an event: its recorded hash, as bytes. */
export const eventLeaf = (event: Pick<StoredEvent, 'metadata'>): Buffer =>
  Buffer.from(event.metadata.hash, 'hex');

/**
 * Checks a job proof with no store at all: the digest's signature by `publicKey`, each event's hash from its
 * content, the chain between the job's events (versions 0, 1, … each naming the hash before), each inclusion
 * path against the digest's root, and that the events replay through the status machine. Answers the first
 * failure, named ({@link ProofProblem}), or what the proof establishes.
 *
 * @example
 * import { checkJobProof } from 'jobledger';
 * const proof = JSON.parse(readFileSync('proof.json', 'utf8'));
 * const checked = checkJobProof(proof, readFileSync('ledger.pub', 'utf8'));
 * // E.isRight(checked) && checked.right.status -> 'Completed'
 */
export const checkJobProof = (proof: unknown, publicKey: KeyInput): E.Either<ProofProblem, ProofSummary> => {
  const decoded = decodeWith(jobProofCodec, 'proof')(proof);
  if (E.isLeft(decoded)) return E.left(proofProblem('malformed', decoded.left.message));
  const p = decoded.right as JobProof;
  const key = toPublicKey(publicKey);
  if (E.isLeft(key)) return key;
  const signed = checkDigestSignature(p.digest, key.right);
  if (E.isLeft(signed)) return signed;
  const { treeSize } = p.digest;
  const root = Buffer.from(p.digest.rootHash, 'hex');
  const streamId = jobStreamId(p.jobId);
  if (p.events.length === 0)
    return E.left(proofProblem('chain', `the proof holds no event of job ${p.jobId}`));
  let prevHash = '';
  let prevLeaf = -1;
  for (const [i, { event, leafIndex, path }] of p.events.entries()) {
    if (event.streamId !== streamId || event.version !== i)
      return E.left(
        proofProblem(
          'chain',
          `entry ${i} is ${event.streamId} version ${event.version}, expected ${streamId} version ${i}`,
          event.version,
        ),
      );
    if (!hashMatches({ ...event, position: '' }))
      return E.left(
        proofProblem('event-hash', `the content of version ${i} does not hash to its recorded hash`, i),
      );
    if (event.metadata.prevHash !== prevHash)
      return E.left(proofProblem('chain', `version ${i} does not name the hash of version ${i - 1}`, i));
    // A stream's events sit in the log in version order.
    if (leafIndex <= prevLeaf)
      return E.left(proofProblem('chain', `version ${i} sits before version ${i - 1} in the log`, i));
    const pathBytes = path.map((h) => Buffer.from(h, 'hex'));
    if (!verifyInclusion(leafHash(eventLeaf(event)), leafIndex, treeSize, pathBytes, root))
      return E.left(
        proofProblem(
          'inclusion',
          `version ${i} (leaf ${leafIndex}) is not in the tree of ${treeSize} events with root ${p.digest.rootHash}`,
          i,
        ),
      );
    prevHash = event.metadata.hash;
    prevLeaf = leafIndex;
  }
  const events: StoredEvent[] = p.events.map((e) => ({ ...e.event, position: String(e.leafIndex) }));
  const verifier = createStreamVerifier(streamId);
  events.forEach((e) => verifier.push(e));
  const problem = verifier.finish()[0];
  if (problem !== undefined)
    return E.left(proofProblem('replay', `${problem.kind}: ${problem.detail}`, problem.version));
  const state = foldJobStream(events);
  if (E.isLeft(state)) return E.left(proofProblem('replay', state.left.message));
  return E.right({
    jobId: p.jobId,
    events: events.length,
    treeSize,
    rootHash: p.digest.rootHash,
    timestamp: p.digest.timestamp,
    keyId: p.digest.keyId,
    status: state.right.status,
  });
};
