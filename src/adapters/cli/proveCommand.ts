import * as E from 'fp-ts/lib/Either.js';
import type { LedgerDigest } from '../../domain/proofs/signedDigest.js';
import { cliFailure, usageFailure } from './cliFailure.js';
import { defineCommand } from './defineCommand.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { storeOption, storeUrlOf } from './openCommandStore.js';
import { digestOption, readJsonFile, signingKeyOf, signingKeyOption, withProofLedger } from './proofFiles.js';

/**
 * `jobledger prove <jobId> [--digest FILE]`: prints every event of the job with its inclusion proof, as JSON.
 *
 * @example
 * // jobledger prove 7f3c… --digest digest.json > proof.json
 */
export const proveCommand = defineCommand({
  command: 'prove',
  summary: "print a job's events with their inclusion proofs against a digest",
  arguments: '<jobId>',
  maxPositionals: 1,
  description:
    'Prints a proof file (JSON): every event of the job with its Merkle inclusion path against the digest given with --digest, or against a new digest signed with the signing key. Anyone with the public key checks it with jobledger check-proof, without the database.',
  options: { store: storeOption, digest: digestOption, 'signing-key': signingKeyOption },
  run: async ({ values, positionals }, io) => {
    const jobId = positionals[0];
    if (jobId === undefined)
      return usageFailure('prove needs the job id', 'run jobledger prove <jobId> [--digest FILE]');
    const key = signingKeyOf(values['signing-key'], io);
    if (E.isLeft(key)) return key.left;
    let digest: LedgerDigest | undefined;
    if (values.digest !== undefined) {
      const read = readJsonFile(values.digest, 'digest');
      if (E.isLeft(read)) return read.left;
      digest = read.right as LedgerDigest;
    } else if (key.right === undefined) {
      return cliFailure(
        'prove needs a digest to prove against',
        'pass --digest FILE (from jobledger digest), or --signing-key FILE to sign a new one',
      );
    }
    return withProofLedger(storeUrlOf(values.store, io), io, key.right, async (ledger) => {
      const proof = await ledger.proveJob(jobId, digest)();
      if (E.isLeft(proof)) return jobErrorFailure(proof.left, 'prove');
      io.stdout.write(`${JSON.stringify(proof.right, null, 2)}\n`);
      return 0;
    });
  },
});
