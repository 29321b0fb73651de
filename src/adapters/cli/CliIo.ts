import type { ProjectedEventStore } from '../../projections/ReadModelStore.js';

/** Where a command writes: process.stdout/stderr in the bin, string buffers in tests. */
export interface CliOutput {
  write(text: string): unknown;
  /** True for a terminal: progress bars redraw in place only there. */
  readonly isTTY?: boolean;
  /** The terminal width, when known. */
  readonly columns?: number;
}

/**
 * Everything a command touches outside its arguments, so tests run commands in-process.
 *
 * @example
 * const code = await jobsCommand(['--json'], { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The wall clock, for timings and the demo's start time (default: `() => new Date()`). */
  readonly now?: () => Date;
  /** Opens a store from its URL (default: `openStore`). Tests pass one to share a `memory:` store. */
  readonly openStore?: (url: string) => ProjectedEventStore;
}

/** The wall clock of `io`. */
export const clockOf = (io: CliIo): (() => Date) => io.now ?? (() => new Date());
