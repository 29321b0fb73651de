import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger, type JobLedger } from '../../app/createJobLedger.js';
import { toSigningKey } from '../../domain/proofs/signedDigest.js';
import type { CommandOutcome } from './defineCommand.js';
import { withLedger } from './openCommandStore.js';
import { cliFailure, type CliFailure } from './cliFailure.js';
import type { CliIo } from './CliIo.js';
import type { OptionSpec } from './parseArgs.js';

/** `--signing-key FILE`: the Ed25519 private key (PEM) that signs digests. */
export const signingKeyOption = {
  type: 'string',
  value: 'FILE',
  description:
    'the Ed25519 private key (PEM) that signs digests (default: JOBLEDGER_SIGNING_KEY_FILE; jobledger keygen writes one)',
} as const satisfies OptionSpec;

/** `--digest FILE`: a digest printed by `jobledger digest`. */
export const digestOption = {
  type: 'string',
  value: 'FILE',
  description: 'a digest written by jobledger digest (JSON)',
} as const satisfies OptionSpec;

/** Reads a text file a command was given, or a one-line failure naming the option. */
export const readOptionFile = (file: string, what: string): E.Either<CliFailure, string> => {
  try {
    return E.right(readFileSync(file, 'utf8'));
  } catch (error) {
    return E.left(
      cliFailure(
        `cannot read ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`,
        'check the path',
      ),
    );
  }
};

/** Reads a JSON file a command was given (a digest, a proof), or a one-line failure. */
export const readJsonFile = (file: string, what: string): E.Either<CliFailure, unknown> => {
  const text = readOptionFile(file, what);
  if (E.isLeft(text)) return text;
  try {
    return E.right(JSON.parse(text.right) as unknown);
  } catch (error) {
    return E.left(
      cliFailure(
        `${what} ${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
        `pass the file jobledger wrote`,
      ),
    );
  }
};

/** The signing key from `--signing-key`, else `JOBLEDGER_SIGNING_KEY_FILE`, else undefined. */
export const signingKeyOf = (
  flag: string | undefined,
  io: CliIo,
): E.Either<CliFailure, KeyObject | undefined> => {
  const file = flag ?? (io.env.JOBLEDGER_SIGNING_KEY_FILE || undefined);
  if (file === undefined) return E.right(undefined);
  const pem = readOptionFile(file, 'signing key');
  if (E.isLeft(pem)) return pem;
  try {
    return E.right(toSigningKey(pem.right));
  } catch (error) {
    return E.left(
      cliFailure(
        `signing key ${file}: ${error instanceof Error ? error.message : String(error)}`,
        'pass the .key file jobledger keygen wrote',
      ),
    );
  }
};

/** Opens the existing store at `url` as a ledger that signs with `signingKey` (when given), runs `body`, closes. */
export const withProofLedger = (
  url: string,
  io: CliIo,
  signingKey: KeyObject | undefined,
  body: (ledger: JobLedger) => Promise<CommandOutcome>,
): Promise<CommandOutcome> =>
  withLedger(
    url,
    io,
    {
      mustExist: true,
      makeLedger: (store) => createJobLedger({ store, ...(signingKey !== undefined && { signingKey }) }),
    },
    body,
  );
