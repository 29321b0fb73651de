import type { CliOutput } from './CliIo.js';

/** Shows how far a long command got. */
export interface ProgressBar {
  /** `done` units so far; `detail` is shown after the counts (e.g. "1 204 events/s"). */
  update(done: number, detail?: string): void;
  /** Removes the bar (on a terminal) so that the summary starts on a clean line. */
  finish(): void;
}

export interface ProgressBarOptions {
  /** What is being done, first on the line: "demo", "replay". */
  readonly label: string;
  /** What `done` counts: "jobs", "events". */
  readonly unit: string;
  /** The expected end; without it the bar shows a count and a spinner. */
  readonly total?: number;
  /** Milliseconds, monotonic (default `performance.now`). */
  readonly now?: () => number;
}

const barWidth = 24;
const redrawEveryMs = 80;
const plainLineEveryMs = 10_000;
const spinner = ['|', '/', '-', '\\'];

/** `1234567` -> `1 234 567`: counts stay readable without a locale. */
export const formatCount = (n: number): string =>
  Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/**
 * A progress bar on `out`. On a terminal it redraws one line in place (at most ~12 times a second); anywhere
 * else (a log file, CI) it prints a plain line at every quarter of the total, or every 10 s without a total,
 * so logs stay short.
 *
 * @example
 * const bar = progressBar(process.stderr, { label: 'demo', unit: 'jobs', total: 200 });
 * bar.update(50, '1 200 events/s');
 * bar.finish();
 */
export const progressBar = (out: CliOutput, options: ProgressBarOptions): ProgressBar => {
  const { label, unit, total } = options;
  const now = options.now ?? (() => performance.now());
  const tty = out.isTTY === true;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastQuarter = 0;
  let frames = 0;
  let drawn = false;

  const line = (done: number, detail: string | undefined): string => {
    const tail = detail === undefined || detail === '' ? '' : `  ${detail}`;
    if (total === undefined || total <= 0) {
      return `${label} ${tty ? `${spinner[frames++ % spinner.length]} ` : ''}${formatCount(done)} ${unit}${tail}`;
    }
    const fraction = Math.min(1, Math.max(0, done / total));
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const counts = `${formatCount(done)}/${formatCount(total)} ${unit}`;
    if (!tty) return `${label}: ${percent.trim()} ${counts}${tail}`;
    const filled = Math.round(fraction * barWidth);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${percent} ${counts}${tail}`;
  };

  const fit = (text: string): string => {
    const columns = out.columns;
    return columns !== undefined && columns > 10 && text.length >= columns
      ? text.slice(0, columns - 1)
      : text;
  };

  return {
    update(done, detail) {
      const t = now();
      if (tty) {
        if (t - lastDraw < redrawEveryMs && !(total !== undefined && done >= total)) return;
        lastDraw = t;
        out.write(`\r\x1b[2K${fit(line(done, detail))}`);
        drawn = true;
        return;
      }
      if (total !== undefined && total > 0) {
        const quarter = Math.floor((Math.min(done, total) / total) * 4);
        if (quarter <= lastQuarter) return;
        lastQuarter = quarter;
      } else {
        if (t - lastDraw < plainLineEveryMs) return;
        if (lastDraw === Number.NEGATIVE_INFINITY) {
          // The first plain line waits a full interval: short runs print nothing but their summary.
          lastDraw = t;
          return;
        }
      }
      lastDraw = t;
      out.write(`${line(done, detail)}\n`);
    },
    finish() {
      if (tty && drawn) out.write('\r\x1b[2K');
      drawn = false;
    },
  };
};
