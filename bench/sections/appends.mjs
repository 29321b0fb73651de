// Section 1: single-event commands/s through the ledger on SQLite vs Emmett's SQLite store vs raw one-row
// transactions, 1 and 8 concurrent callers, at synchronous=NORMAL and FULL.
import path from 'node:path';
import { progress, removeDir, runConcurrent, tempDir } from '../lib/measure.mjs';
import { alice, loadJobledger, need, openSqliteStore, smallestJob } from '../lib/ours.mjs';
import { openEmmett, openRaw } from '../lib/peers.mjs';

const SECTION = 'appends';

/** Opens a ledger on a fresh SQLite file; op = one draft createJob (exactly one JobCreated event). */
const openLedger = async (dir, synchronous) => {
  const mod = need(await loadJobledger(), 'createJobLedger');
  const store = await openSqliteStore(path.join(dir, `jobledger-${synchronous}.db`), synchronous);
  const ledger = mod.createJobLedger({ store });
  const session = ledger.as(alice);
  const draft = { ...smallestJob, draft: true };
  let lastError;
  const settings = typeof store.settings === 'function' ? store.settings() : undefined;
  return {
    settings,
    stats: () => (typeof store.stats === 'function' ? store.stats() : undefined),
    appendOne: async () => {
      const r = await session.createJob(draft)();
      if (r._tag === 'Right') return true;
      lastError = `${r.left._tag}: ${r.left.message}`;
      throw new Error(lastError);
    },
    close: async () => {
      const r = await ledger.close()();
      if (r._tag === 'Left') throw new Error(`ledger.close: ${r.left.message}`);
    },
  };
};

const sides = [
  { key: 'raw', name: 'raw better-sqlite3 1-row tx', open: (dir, s) => openRaw(dir, s) },
  { key: 'emmett', name: 'Emmett 0.42 SQLite', open: (dir, s) => openEmmett(dir, s) },
  { key: 'ledger', name: 'jobledger createJob(draft)', open: (dir, s) => openLedger(dir, s) },
];

/**
 * Per synchronous setting, all three sides are open at once and measured in interleaved rounds (raw, Emmett,
 * ledger, raw, Emmett, ledger, ...), each round `durationMs / rounds` per side and caller count, so that a
 * machine whose load drifts (2 shared cores) weighs on every side alike.
 */
export const runAppends = async (report, config) => {
  const rounds = config.rounds;
  for (const synchronous of ['normal', 'full']) {
    const S = synchronous.toUpperCase();
    const open = [];
    try {
      for (const side of sides) {
        const dir = tempDir(`${side.key}-${synchronous}`);
        const entry = { side, dir, target: undefined, acc: new Map(), failed: new Set() };
        open.push(entry);
        try {
          entry.target = await side.open(dir, synchronous);
          const reported = entry.target.settings?.synchronous;
          if (reported !== undefined && reported !== synchronous) {
            throw new Error(`asked synchronous=${synchronous}, the connection reports ${reported}`);
          }
        } catch (error) {
          report.fail(SECTION, `${side.name}, ${S}`, error);
          entry.target = undefined;
        }
      }
      const what = (side, callers) => `${side.name}, ${callers} caller${callers > 1 ? 's' : ''}, ${S}`;
      for (let round = 0; round < rounds; round++) {
        for (const entry of open) {
          if (entry.target === undefined) continue;
          for (const callers of config.callers) {
            if (entry.failed.has(callers)) continue;
            progress(
              `${SECTION}: ${what(entry.side, callers)}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}`,
            );
            try {
              const before = entry.target.stats?.();
              const r = await runConcurrent({
                callers,
                durationMs: config.durationMs / rounds,
                warmupMs: round === 0 ? config.warmupMs : 0,
                op: entry.target.appendOne,
              });
              const after = entry.target.stats?.();
              const a = entry.acc.get(callers) ?? {
                ops: 0,
                errors: 0,
                seconds: 0,
                commands: 0,
                events: 0,
                tx: 0,
                rates: [],
              };
              a.ops += r.ops;
              a.errors += r.errors;
              a.seconds += r.seconds;
              a.rates.push(Math.round(r.perSecond));
              a.firstError ??= r.firstError;
              if (before && after) {
                a.commands += after.commands - before.commands;
                a.events += after.events - before.events;
                a.tx += after.transactions - before.transactions;
                a.stats = true;
              }
              entry.acc.set(callers, a);
            } catch (error) {
              entry.failed.add(callers);
              report.fail(SECTION, what(entry.side, callers), error);
            }
          }
        }
      }
      for (const { side, acc } of open) {
        for (const [callers, a] of acc) {
          let detail = `${a.ops} ops in ${a.seconds.toFixed(1)} s`;
          if (a.rates.length > 1) detail += ` (rounds: ${a.rates.join(', ')}/s)`;
          if (a.stats) {
            detail += `; ${(a.events / Math.max(1, a.commands)).toFixed(2)} events/command, ${(a.commands / Math.max(1, a.tx)).toFixed(1)} commands/transaction`;
          }
          if (side.key === 'emmett' && callers > 1) {
            detail += '; shared connection: concurrent appends share one transaction, not isolated';
          }
          if (a.errors > 0) detail += `; ${a.errors} FAILED (${a.firstError})`;
          report.measure({
            section: SECTION,
            id: `${side.key}.${synchronous}.${callers}`,
            label: what(side, callers),
            value: a.ops / a.seconds,
            unit: 'ops/s',
            ops: a.ops,
            errors: a.errors,
            seconds: a.seconds,
            rounds: a.rates,
            detail,
          });
        }
      }
    } finally {
      for (const entry of open) {
        try {
          await entry.target?.close();
        } catch (error) {
          report.fail(SECTION, `${entry.side.name} close`, error);
        }
        removeDir(entry.dir);
      }
    }
    const v = (id) => report.get(id)?.value;
    // Issue 18's targets (set from the measured floors): 1 caller ≥ 3× Emmett at NORMAL, ≥ 2× at FULL; 8 callers
    // ≥ 1× Emmett's 8 callers at NORMAL (Emmett's callers share one transaction; ours are isolated).
    report.target({
      id: `appends.1caller.vs.emmett.${synchronous}`,
      label: `1 caller: jobledger / Emmett (${S})`,
      ours: v(`ledger.${synchronous}.1`),
      baseline: v(`emmett.${synchronous}.1`),
      need: synchronous === 'normal' ? 3 : 2,
      unit: '/s',
    });
    /** A ratio shown without a target (when both sides were measured). */
    const ratio = (id, label, ours, baseline) => {
      if (ours === undefined || baseline === undefined) return;
      report.measure({
        section: SECTION,
        id,
        label,
        value: ours / baseline,
        unit: 'x',
        detail: `${Math.round(ours)} / ${Math.round(baseline)} ops/s`,
      });
    };
    const eightLabel = `8 callers: jobledger / Emmett 8 callers (${S})`;
    if (synchronous === 'normal') {
      report.target({
        id: `appends.8callers.vs.emmett.${synchronous}`,
        label: eightLabel,
        ours: v(`ledger.${synchronous}.8`),
        baseline: v(`emmett.${synchronous}.8`),
        need: 1,
        unit: '/s',
      });
    } else {
      ratio(
        `appends.8callers.vs.emmett.${synchronous}`,
        `${eightLabel}, no target`,
        v(`ledger.${synchronous}.8`),
        v(`emmett.${synchronous}.8`),
      );
    }
    // What group commit is for, kept beside them (no target): 8 callers against one caller's raw transactions.
    ratio(
      `appends.8callers.vs.raw.${synchronous}`,
      `8 callers: jobledger / raw 1-row tx, 1 caller (${S}), no target`,
      v(`ledger.${synchronous}.8`),
      v(`raw.${synchronous}.1`),
    );
  }
};
