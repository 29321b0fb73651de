import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { keyIdOf } from '../../domain/proofs/signedDigest.js';
import { cliFailure } from './cliFailure.js';
import { defineCommand } from './defineCommand.js';

/**
 * `jobledger keygen [--out PREFIX]`: writes an Ed25519 key pair, PREFIX.key (private, mode 0600) and PREFIX.pub.
 *
 * @example
 * // jobledger keygen --out ledger   → ledger.key, ledger.pub
 */
export const keygenCommand = defineCommand({
  command: 'keygen',
  summary: 'write an Ed25519 key pair for signing digests',
  description:
    'Writes PREFIX.key (the private key, PEM, readable by you only: pass it to --signing-key or JOBLEDGER_SIGNING_KEY_FILE) and PREFIX.pub (the public key, PEM: give it to auditors for check-proof). Never overwrites a file.',
  options: {
    out: {
      type: 'string',
      value: 'PREFIX',
      description: 'where to write (default: jobledger → jobledger.key, jobledger.pub)',
    },
  },
  run: async ({ values }, io) => {
    const prefix = values.out ?? 'jobledger';
    const files = { key: `${prefix}.key`, pub: `${prefix}.pub` };
    for (const file of Object.values(files))
      if (existsSync(file))
        return cliFailure(`${file} exists already`, 'pick another --out, or move the old key away first');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
    writeFileSync(files.pub, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
    io.stdout.write(`wrote ${files.key} (private) and ${files.pub} (public), key id ${keyIdOf(publicKey)}\n`);
    return 0;
  },
});
