import type { CliIo } from './CliIo.js';

/**
 * Something the user can fix: what is wrong and what to do about it, printed as one line
 * (`jobledger: <what>; <todo>`). Exit code 2 for a wrong command line, 1 for everything else.
 */
export interface CliFailure {
  readonly _tag: 'CliFailure';
  readonly what: string;
  readonly todo: string;
  readonly exitCode: 1 | 2;
}

/** Collapses whitespace so that a message can never span lines. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** A failure that is not about the command line (exit 1). */
export const cliFailure = (what: string, todo: string): CliFailure => ({
  _tag: 'CliFailure',
  what: oneLine(what),
  todo: oneLine(todo),
  exitCode: 1,
});

/** A wrong command line: unknown command or option, missing or bad value (exit 2). */
export const usageFailure = (what: string, todo: string): CliFailure => ({
  ...cliFailure(what, todo),
  exitCode: 2,
});

/** True when `value` is a {@link CliFailure} (and not an exit code). */
export const isCliFailure = (value: unknown): value is CliFailure =>
  typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'CliFailure';

/** The one line a failure prints. */
export const failureLine = (failure: CliFailure): string => `jobledger: ${failure.what}; ${failure.todo}`;

/** Prints the failure on stderr and answers its exit code. */
export const reportFailure = (io: CliIo, failure: CliFailure): number => {
  io.stderr.write(`${failureLine(failure)}\n`);
  return failure.exitCode;
};

/**
 * An error nobody planned for (a bug, a broken disk): one line by default, the stack with JOBLEDGER_DEBUG=1.
 * User mistakes never get here; they are {@link CliFailure} values.
 */
export const reportUnexpected = (io: CliIo, command: string, error: unknown): number => {
  const message = error instanceof Error ? error.message : String(error);
  const debug = io.env.JOBLEDGER_DEBUG === '1' || io.env.JOBLEDGER_DEBUG === 'true';
  io.stderr.write(
    `jobledger: ${command} failed unexpectedly: ${oneLine(message)}; ${
      debug ? 'the stack trace follows' : 'rerun with JOBLEDGER_DEBUG=1 to see the stack trace, and report it'
    }\n`,
  );
  if (debug && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
  return 1;
};
