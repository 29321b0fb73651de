import { existsSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { createJobLedger, type JobLedger } from '../../app/createJobLedger.js';
import type { ProjectedEventStore } from '../../projections/ReadModelStore.js';
import { openStore } from '../openStore.js';
import { parseSqliteUrl } from '../sqlite/sqliteUrl.js';
import { cliFailure, type CliFailure } from './cliFailure.js';
import type { CliIo } from './CliIo.js';
import type { CommandOutcome } from './defineCommand.js';
import type { OptionSpec } from './parseArgs.js';

/** The store a command uses when neither `--store` nor `JOBLEDGER_STORE` names one. */
export const defaultStoreUrl = 'sqlite:./jobledger.db';

/** `--store`, else `JOBLEDGER_STORE`, else {@link defaultStoreUrl}. */
export const storeUrlOf = (flag: string | undefined, io: CliIo): string => {
  const fromEnv = io.env.JOBLEDGER_STORE;
  return flag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultStoreUrl);
};

/**
 * The file of a `sqlite:` URL (`sqlite:./jobledger.db?synchronous=normal` -> `./jobledger.db`), or undefined for
 * other URLs, in-memory databases, and URLs `openStore` will refuse with its own message.
 */
export const sqliteFileOf = (url: string): string | undefined => {
  if (!url.startsWith('sqlite:')) return undefined;
  try {
    const { file } = parseSqliteUrl(url);
    return file === ':memory:' ? undefined : file;
  } catch {
    // A URL parseSqliteUrl refuses gets openStore's own one-line message when the command opens it.
    return undefined;
  }
};

/** Whether the command only reads (and must not create an empty database) or may create the store. */
export interface OpenOptions {
  readonly mustExist: boolean;
}

/**
 * Opens the store at `url` for a command. A read command on a SQLite file that does not exist fails instead of
 * creating an empty database; a URL `openStore` refuses becomes a one-line failure.
 */
export const openCommandStore = (
  url: string,
  io: CliIo,
  { mustExist }: OpenOptions,
): E.Either<CliFailure, ProjectedEventStore> => {
  const file = sqliteFileOf(url);
  if (mustExist && file !== undefined && !existsSync(file)) {
    return E.left(
      cliFailure(
        `no jobledger database at ${file} (store ${url})`,
        `check --store or JOBLEDGER_STORE, or create one with jobledger demo --store ${url}`,
      ),
    );
  }
  try {
    return E.right((io.openStore ?? openStore)(url));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return E.left(
      message.includes(';')
        ? cliFailure(message.slice(0, message.indexOf(';')), message.slice(message.indexOf(';') + 1))
        : cliFailure(
            `cannot open store ${url}: ${message}`,
            'pass --store memory: or --store sqlite:<file> (or set JOBLEDGER_STORE)',
          ),
    );
  }
};

const closeFailure = (url: string, error: unknown): CliFailure =>
  cliFailure(
    `closing store ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
    'run jobledger verify on it before you rely on the last writes',
  );

/** Opens the store, runs `body`, and closes the store whatever happens. */
export const withStore = async (
  url: string,
  io: CliIo,
  options: OpenOptions,
  body: (store: ProjectedEventStore) => Promise<CommandOutcome>,
): Promise<CommandOutcome> => {
  const opened = openCommandStore(url, io, options);
  if (E.isLeft(opened)) return opened.left;
  let outcome: CommandOutcome = 1;
  try {
    outcome = await body(opened.right);
  } finally {
    try {
      await opened.right.close();
    } catch (error) {
      // A failed close after a successful command is the user's business: the last writes may be lost.
      if (outcome === 0) outcome = closeFailure(url, error);
    }
  }
  return outcome;
};

/**
 * Opens the store, builds a ledger over it (`createJobLedger({ store })` unless `makeLedger` says otherwise),
 * runs `body`, and closes the ledger (and with it the store) whatever happens.
 */
export const withLedger = async (
  url: string,
  io: CliIo,
  options: OpenOptions & { readonly makeLedger?: (store: ProjectedEventStore) => JobLedger },
  body: (ledger: JobLedger) => Promise<CommandOutcome>,
): Promise<CommandOutcome> => {
  const opened = openCommandStore(url, io, options);
  if (E.isLeft(opened)) return opened.left;
  let ledger: JobLedger;
  try {
    ledger = (options.makeLedger ?? ((store) => createJobLedger({ store })))(opened.right);
  } catch (error) {
    await opened.right.close();
    throw error;
  }
  let outcome: CommandOutcome = 1;
  try {
    outcome = await body(ledger);
  } finally {
    const closed = await ledger.close()();
    if (E.isLeft(closed) && outcome === 0) outcome = closeFailure(url, closed.left.message);
  }
  return outcome;
};

/** The `--store URL` option of the commands that open one store. */
export const storeOption = {
  type: 'string',
  value: 'URL',
  description: `the store (default: JOBLEDGER_STORE, else ${defaultStoreUrl})`,
} as const satisfies OptionSpec;
