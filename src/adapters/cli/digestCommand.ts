import * as E from 'fp-ts/lib/Either.js';
import { cliFailure } from './cliFailure.js';
import { defineCommand } from './defineCommand.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { storeOption, storeUrlOf } from './openCommandStore.js';
import { signingKeyOf, signingKeyOption, withProofLedger } from './proofFiles.js';

/**
 * `jobledger digest`: prints a signed digest of the log as JSON.
 *
 * @example
 * // jobledger digest --signing-key ledger.key > digest.json
 */
export const digestCommand = defineCommand({
  command: 'digest',
  summary: 'print a signed digest (Merkle tree head) of the whole log',
  description:
    'Prints { treeSize, rootHash, timestamp, signature, keyId } as JSON: the root of the Merkle tree over every event of the log (RFC 9162 hashing), signed with the Ed25519 key. Keep it: jobledger prove and check-proof prove jobs against it, and jobledger verify --digest detects any later rewrite of the log it covers.',
  options: { store: storeOption, 'signing-key': signingKeyOption },
  run: async ({ values }, io) => {
    const key = signingKeyOf(values['signing-key'], io);
    if (E.isLeft(key)) return key.left;
    if (key.right === undefined)
      return cliFailure(
        'digest needs the signing key',
        'pass --signing-key FILE or set JOBLEDGER_SIGNING_KEY_FILE (jobledger keygen writes one)',
      );
    return withProofLedger(storeUrlOf(values.store, io), io, key.right, async (ledger) => {
      const digest = await ledger.digest()();
      if (E.isLeft(digest)) return jobErrorFailure(digest.left, 'digest');
      io.stdout.write(`${JSON.stringify(digest.right, null, 2)}\n`);
      return 0;
    });
  },
});
