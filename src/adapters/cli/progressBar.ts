import cliProgress from 'cli-progress';
import type { CliOutput } from './CliIo.js';

// cli-progress is CommonJS without named exports Node can see: take them from its default export.
const { Format, SingleBar } = cliProgress;

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
  /** The expected end; without it the bar shows a count and the time so far. */
  readonly total?: number;
  /** Milliseconds, monotonic (default `performance.now`); paces the plain lines written where there is no terminal. */
  readonly now?: () => number;
}

/** `1234567` -> `1 234 567`: counts stay readable without a locale. */
export const formatCount = (n: number): string =>
  Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

const plainLineEveryMs = 10_000;

/**
 * A bar that redraws one line in place, drawn by cli-progress (at most 12 times a second, cut to the terminal's
 * width, cleared at the end): `demo [######------------------]  25% 2/8 jobs  eta 3s  <detail>`, or without a
 * total `replay 12 000 events  4s  <detail>`. Updates after `finish` draw it again (a worker prints a line
 * between them).
 */
const terminalBar = (out: CliOutput, { label, unit, total }: ProgressBarOptions): ProgressBar => {
  const known = total !== undefined && total > 0;
  const bar = new SingleBar({
    stream: out as unknown as NodeJS.WritableStream,
    format: known
      ? '{label} [{bar}] {percentage}% {value}/{total} {unit}  eta {eta_formatted}{detail}'
      : '{label} {value} {unit}  {duration_formatted}{detail}',
    formatValue: (value, _options, type) =>
      type === 'value' || type === 'total'
        ? formatCount(Number(value))
        : type === 'percentage'
          ? String(value).padStart(3)
          : String(value),
    // The estimate is a word ('NULL', 'INF') until two updates are far enough apart to give a rate.
    formatTime: (time, options, roundTo) =>
      typeof time === 'number' ? Format.TimeFormat(time, options, roundTo) : '?',
    barsize: 24,
    barCompleteChar: '#',
    barIncompleteChar: '-',
    fps: 12,
    etaBuffer: 50,
    clearOnComplete: true,
    // Never leave a terminal changed when the process is killed mid-bar: no hidden cursor, no disabled
    // line wrapping (the line is cut to the width instead), and no SIGINT handler of the bar's own.
    hideCursor: false,
    linewrap: true,
    gracefulExit: false,
  });
  let running = false;
  return {
    update(done, detail) {
      const payload = { label, unit, detail: detail === undefined || detail === '' ? '' : `  ${detail}` };
      if (running) {
        bar.update(done, payload);
        return;
      }
      bar.start(known ? total : 0, done, payload);
      running = true;
    },
    finish() {
      if (running) bar.stop();
      running = false;
    },
  };
};

/**
 * Plain lines for a log file or CI, where a redrawn line would be noise: one at every quarter of the total, or
 * without a total one every 10 s (the first after a full interval, so short runs print only their summary).
 */
const logLines = (out: CliOutput, { label, unit, total, now: clock }: ProgressBarOptions): ProgressBar => {
  const now = clock ?? (() => performance.now());
  let lastLine = Number.NEGATIVE_INFINITY;
  let lastQuarter = 0;
  const tail = (detail: string | undefined) => (detail === undefined || detail === '' ? '' : `  ${detail}`);
  return {
    update(done, detail) {
      if (total !== undefined && total > 0) {
        const quarter = Math.floor((Math.min(done, total) / total) * 4);
        if (quarter <= lastQuarter) return;
        lastQuarter = quarter;
        const percent = Math.floor(Math.min(1, Math.max(0, done / total)) * 100);
        out.write(
          `${label}: ${percent}% ${formatCount(done)}/${formatCount(total)} ${unit}${tail(detail)}\n`,
        );
        return;
      }
      const t = now();
      if (lastLine === Number.NEGATIVE_INFINITY) lastLine = t;
      if (t - lastLine < plainLineEveryMs) return;
      lastLine = t;
      out.write(`${label} ${formatCount(done)} ${unit}${tail(detail)}\n`);
    },
    finish() {},
  };
};

/**
 * A progress bar on `out`: on a terminal cli-progress redraws one line in place; anywhere else (a log file,
 * CI) plain lines, at every quarter of the total or every 10 s without one, so logs stay short.
 *
 * @example
 * const bar = progressBar(process.stderr, { label: 'demo', unit: 'jobs', total: 200 });
 * bar.update(50, '1 200 events/s');
 * bar.finish();
 */
export const progressBar = (out: CliOutput, options: ProgressBarOptions): ProgressBar =>
  out.isTTY === true ? terminalBar(out, options) : logLines(out, options);
