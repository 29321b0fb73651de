import * as E from 'fp-ts/lib/Either.js';
import { sameTree } from '../../domain/proofs/consistencyProof.js';
import { checkJobProof } from '../../domain/proofs/jobProof.js';
import { checkDigestSignature, toPublicKey, type LedgerDigest } from '../../domain/proofs/signedDigest.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { ledgerDigestCodec } from '../../domain/codecs/proofs.js';
import { cliFailure, usageFailure } from './cliFailure.js';
import { defineCommand } from './defineCommand.js';
import { digestOption, readJsonFile, readOptionFile } from './proofFiles.js';

const distrust = 'do not trust this history; ask the ledger operator for a fresh proof and compare';

/**
 * `jobledger check-proof proof.json --key PUB [--digest FILE]`: checks a proof file offline, with no store.
 *
 * @example
 * // jobledger check-proof proof.json --key ledger.pub --digest digest.json
 */
export const checkProofCommand = defineCommand({
  command: 'check-proof',
  summary: 'check a proof file offline, with the public key only',
  arguments: '<proof.json>',
  maxPositionals: 1,
  description:
    "Checks a proof written by jobledger prove, without any store: the digest's signature, each event's hash from its content, the chain between the job's events, each inclusion path, and that the events replay through the status machine. With --digest, the proof must also be against that digest (the one you trust). Prints OK with what is proven (exit 0) or what failed (exit 1).",
  options: {
    key: { type: 'string', value: 'PUB', description: 'the public key (PEM) written by jobledger keygen' },
    digest: digestOption,
  },
  run: async ({ values, positionals }, io) => {
    const file = positionals[0];
    if (file === undefined)
      return usageFailure(
        'check-proof needs the proof file',
        'run jobledger check-proof proof.json --key PUB',
      );
    if (values.key === undefined)
      return usageFailure(
        'check-proof needs the public key',
        'pass --key PUB (the .pub file of jobledger keygen)',
      );
    const pem = readOptionFile(values.key, 'public key');
    if (E.isLeft(pem)) return pem.left;
    const proof = readJsonFile(file, 'proof');
    if (E.isLeft(proof)) return proof.left;
    const checked = checkJobProof(proof.right, pem.right);
    if (E.isLeft(checked))
      return cliFailure(`${file}: ${checked.left.kind}: ${checked.left.message}`, distrust);
    const s = checked.right;
    if (values.digest !== undefined) {
      const read = readJsonFile(values.digest, 'digest');
      if (E.isLeft(read)) return read.left;
      const trusted = decodeWith(ledgerDigestCodec, 'digest')(read.right);
      if (E.isLeft(trusted))
        return cliFailure(
          `${values.digest}: ${trusted.left.message}`,
          'pass the file jobledger digest wrote',
        );
      const key = toPublicKey(pem.right);
      if (E.isLeft(key)) return cliFailure(key.left.message, distrust);
      const signed = checkDigestSignature(trusted.right, key.right);
      if (E.isLeft(signed))
        return cliFailure(`${values.digest}: ${signed.left.kind}: ${signed.left.message}`, distrust);
      const own = (proof.right as { digest: LedgerDigest }).digest;
      if (!sameTree(own, trusted.right))
        return cliFailure(
          `${file}: digest-mismatch: the proof is against digest ${s.treeSize} (root ${s.rootHash}), not the digest you trust (${trusted.right.treeSize}, root ${trusted.right.rootHash})`,
          'ask for a proof against your digest (jobledger prove <jobId> --digest FILE)',
        );
    }
    io.stdout.write(
      `OK: job ${s.jobId}: ${s.events} event${s.events === 1 ? '' : 's'} proven against digest ${s.treeSize} (root ${s.rootHash}, signed ${s.timestamp} by key ${s.keyId}); status ${s.status ?? 'none'}\n`,
    );
    return 0;
  },
});
