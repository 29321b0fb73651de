// Timing helpers shared by every section: bounded loops, concurrent callers, percentiles, temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';

export const now = () => performance.now();

/** A number of milliseconds or of operations read from the environment, with a default. */
export const envInt = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive number`);
  return Math.floor(n);
};

/**
 * Runs `callers` concurrent loops of `op` until `durationMs` has passed (or `maxOps` operations were started),
 * after a warm-up of `warmupMs`. `op` resolves to true on success, false (or throws) on failure.
 * Returns { ops, errors, seconds, perSecond, firstError }.
 */
export const runConcurrent = async ({ callers, durationMs, warmupMs = 0, maxOps = Infinity, op }) => {
  const loop = async (deadline, counter) => {
    while (now() < deadline && counter.started < maxOps) {
      counter.started++;
      try {
        if (await op()) counter.ok++;
        else counter.errors++;
      } catch (error) {
        counter.errors++;
        counter.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  if (warmupMs > 0) {
    const warm = { started: 0, ok: 0, errors: 0 };
    const deadline = now() + warmupMs;
    await Promise.all(Array.from({ length: callers }, () => loop(deadline, warm)));
  }
  const counter = { started: 0, ok: 0, errors: 0, firstError: undefined };
  const t0 = now();
  const deadline = t0 + durationMs;
  await Promise.all(Array.from({ length: callers }, () => loop(deadline, counter)));
  const seconds = (now() - t0) / 1000;
  return {
    ops: counter.ok,
    errors: counter.errors,
    seconds,
    perSecond: counter.ok / seconds,
    ...(counter.firstError !== undefined && { firstError: counter.firstError }),
  };
};

/** Latency samples (ms) of `op`, sequentially, until `durationMs` or `maxSamples`, at least `minSamples`. */
export const sampleLatency = async ({ op, durationMs, maxSamples = 1000, minSamples = 5, warmup = 2 }) => {
  for (let i = 0; i < warmup; i++) await op();
  const samples = [];
  const t0 = now();
  while (samples.length < minSamples || (samples.length < maxSamples && now() - t0 < durationMs)) {
    const s = now();
    await op();
    samples.push(now() - s);
  }
  return summarize(samples);
};

export const percentile = (sorted, p) => {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
};

export const summarize = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
};

/** Temp directories under os.tmpdir(), all removed by `cleanup()` (also on SIGINT/SIGTERM). */
const dirs = new Set();
export const tempDir = (label) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `jobledger-bench-${label}-`));
  dirs.add(dir);
  return dir;
};
export const removeDir = (dir) => {
  fs.rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
};
export const cleanup = () => {
  for (const dir of [...dirs]) removeDir(dir);
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}

/** Formats a rate or a count with thousands separators. */
export const fmt = (n, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n)
    ? 'n/a'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Progress on stderr (kept off stdout so the table stays clean). */
export const progress = (text) => process.stderr.write(`  · ${text}\n`);

/** Yields to the event loop (lets group commits and I/O run). */
export const tick = () => new Promise((resolve) => setImmediate(resolve));
