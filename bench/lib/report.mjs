// Collects measurements and target checks, prints them as tables, and writes the JSON results.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt } from './measure.mjs';

export const createReport = (config) => {
  const report = {
    startedAt: new Date().toISOString(),
    finishedAt: undefined,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    },
    config,
    measurements: [],
    targets: [],
    failures: [],
    notes: [],
  };
  return {
    data: report,
    /** One number: { section, id, label, value, unit, ...detail }. */
    measure(entry) {
      report.measurements.push(entry);
      return entry;
    },
    get(id) {
      return report.measurements.find((m) => m.id === id);
    },
    /**
     * A target: `kind` 'ratio' (ours / baseline ≥ need) or 'max' (ours ≤ need). Missing numbers make it
     * 'not measured'.
     */
    target({ id, label, ours, baseline, need, kind = 'ratio', unit = '' }) {
      let ratio;
      let met;
      if (kind === 'ratio') {
        if (ours !== undefined && baseline !== undefined && baseline > 0) {
          ratio = ours / baseline;
          met = ratio >= need;
        }
      } else if (ours !== undefined) {
        met = ours <= need;
      }
      report.targets.push({ id, label, kind, ours, baseline, ratio, need, unit, met: met ?? null });
    },
    fail(section, what, error) {
      const message = error instanceof Error ? error.message : String(error);
      report.failures.push({ section, what, message, kind: error?.name === 'Missing' ? 'missing' : 'error' });
      process.stderr.write(`  ✗ ${section} / ${what}: ${message}\n`);
      if (error instanceof Error && error.name !== 'Missing' && process.env.BENCH_DEBUG) {
        process.stderr.write(`${error.stack}\n`);
      }
    },
    note(text) {
      report.notes.push(text);
    },
  };
};

const pad = (s, n, right = false) => (right ? String(s).padStart(n) : String(s).padEnd(n));

const table = (headers, rows, rightAligned) => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], rightAligned.includes(i))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
};

const value = (m) => {
  if (m.unit === 'ms') return `${fmt(m.value, 2)} ms`;
  if (m.unit === 'x') return `${fmt(m.value, 2)}x`;
  return `${fmt(m.value, m.value < 100 ? 1 : 0)} ${m.unit}`;
};

export const printReport = ({ data }) => {
  const out = [];
  out.push('');
  out.push(
    `jobledger bench  ${data.startedAt}  node ${data.machine.node}  ${data.machine.cpus} cpus  ` +
      `${data.config.quick ? 'QUICK (small sizes: not comparable to the targets)' : 'full run'}`,
  );
  out.push('');
  out.push(
    table(
      ['section', 'measurement', 'value', 'detail'],
      data.measurements.map((m) => [m.section, m.label, value(m), m.detail ?? '']),
      [2],
    ),
  );
  out.push('');
  out.push(
    table(
      ['target', 'ours', 'baseline', 'ratio', 'need', 'result'],
      data.targets.map((t) => [
        t.label,
        t.ours === undefined
          ? 'n/a'
          : t.kind === 'max'
            ? `${fmt(t.ours, 2)} ${t.unit}`
            : `${fmt(t.ours)}${t.unit}`,
        t.baseline === undefined ? (t.kind === 'max' ? '' : 'n/a') : `${fmt(t.baseline)}${t.unit}`,
        t.ratio === undefined ? (t.kind === 'max' ? '' : 'n/a') : `${fmt(t.ratio, 2)}x`,
        t.kind === 'ratio' ? `≥ ${t.need}x` : `≤ ${t.need} ${t.unit}`,
        t.met === null ? 'not measured' : t.met ? 'met' : 'NOT MET',
      ]),
      [1, 2, 3],
    ),
  );
  if (data.failures.length > 0) {
    out.push('');
    out.push('failed or missing:');
    for (const f of data.failures) out.push(`  - ${f.section} / ${f.what}: ${f.message}`);
  }
  if (data.notes.length > 0) {
    out.push('');
    out.push('notes:');
    for (const n of data.notes) out.push(`  - ${n}`);
  }
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);
};

export const writeReport = ({ data }, dir) => {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = data.startedAt.replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}${data.config.quick ? '-quick' : ''}.json`);
  const text = `${JSON.stringify(data, null, 2)}\n`;
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(dir, 'latest.json'), text);
  return file;
};
