// The README's "Audit proofs" example, run by test/app/proofs/auditProofsExample.test.ts.
import * as E from 'fp-ts/lib/Either.js';
import { generateKeyPairSync } from 'node:crypto';
import { checkConsistencyProof, checkJobProof, createJobLedger, openStore } from 'jobledger';

export const auditProofsExample = async (storeUrl = 'sqlite:./jobledger.db') => {
  // The ledger signs digests with an Ed25519 key (a KeyObject or PEM text; `jobledger keygen` writes a pair).
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const ledger = createJobLedger({ store: openStore(storeUrl), signingKey: privateKey });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });

  const created = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
  if (E.isLeft(created)) throw new Error(created.left.message);
  const digest = await ledger.digest()(); // Right({ treeSize, rootHash, timestamp, signature, keyId })
  if (E.isLeft(digest)) throw new Error(digest.left.message);

  // The job's events with their inclusion proofs: JSON an auditor checks with the public key alone.
  const proof = await ledger.proveJob(created.right.id, digest.right)();
  if (E.isLeft(proof)) throw new Error(proof.left.message);
  const checked = checkJobProof(JSON.parse(JSON.stringify(proof.right)), publicKey);
  // Right({ jobId, events: 2, treeSize, rootHash, timestamp, keyId, status: 'Pending' })

  // Later: the log grew, and the old digest's log is a prefix of the new one.
  await alice.addComment(created.right.id, { content: 'looks right' })();
  const later = await ledger.digest()();
  if (E.isLeft(later)) throw new Error(later.left.message);
  const consistency = await ledger.proveConsistency(digest.right, later.right)();
  if (E.isLeft(consistency)) throw new Error(consistency.left.message);
  const prefix = checkConsistencyProof(consistency.right, publicKey); // Right({ oldDigest, newDigest })

  // verify with a digest also recomputes the tree: a stream rewritten with every hash redone is caught.
  const report = await ledger.verify({ digest: digest.right })(); // Right({ ok: true, ... })
  await ledger.close()();
  return { checked, prefix, report };
};
