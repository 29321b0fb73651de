// Section 2: folding decoded status events through the transition table derived from the machine vs xstate's
// pure transition(jobMachine, snapshot, event), events/s in the same run. Plus, for context, the full replay
// the ledger does per stream (decode + upcast + evolve via foldJobStream), which has no target.
import { transition } from 'xstate';
import { now, progress } from '../lib/measure.mjs';
import { eventTemplates, instantiate, loadJobledger, need } from '../lib/ours.mjs';

const SECTION = 'replay';

// A loop of legal edges that never reaches a terminal state, so any number of events stays legal.
const cycle = ['Pending', 'Claimed', 'Validating', 'Running', 'Uploading', 'Unknown'];

/** N decoded JobStatusChanged events of one job: Created -> Pending -> Claimed -> ... -> Unknown -> Pending ... */
const statusEvents = (n) => {
  const events = new Array(n);
  let from = 'Created';
  for (let i = 0; i < n; i++) {
    const to = cycle[i % cycle.length];
    events[i] = { type: 'JobStatusChanged', data: { from, to, statusId: `s${i}` } };
    from = to;
  }
  return events;
};

/** Repeats `pass` (which folds the whole array) until `ms` passed; events/s over whole passes. */
const repeatFor = (ms, n, pass) => {
  let passes = 0;
  const t0 = now();
  do {
    pass();
    passes++;
  } while (now() - t0 < ms);
  const seconds = (now() - t0) / 1000;
  return { events: passes * n, seconds, perSecond: (passes * n) / seconds };
};

export const runReplay = async (report, config) => {
  const n = config.replayEvents;
  const events = statusEvents(n);
  let mod;
  try {
    mod = need(await loadJobledger(), 'canTransition', 'transitionTable', 'jobMachine');
  } catch (error) {
    report.fail(SECTION, 'load jobledger', error);
    return;
  }
  const { canTransition, transitionTable, jobMachine } = mod;

  let sink = 0;
  try {
    progress(`${SECTION}: canTransition fold over ${n} events`);
    const table = repeatFor(config.durationMs, n, () => {
      let status = 'Created';
      for (let i = 0; i < events.length; i++) {
        const to = events[i].data.to;
        if (!canTransition(status, to)) throw new Error(`illegal ${status} -> ${to} at ${i}`);
        status = to;
      }
      sink += status.length;
    });
    report.measure({
      section: SECTION,
      id: 'replay.table',
      label: 'fold via canTransition (derived table)',
      value: table.perSecond,
      unit: 'events/s',
      detail: `${table.events} events in ${table.seconds.toFixed(2)} s`,
    });
    const lists = repeatFor(config.durationMs, n, () => {
      let status = 'Created';
      for (let i = 0; i < events.length; i++) {
        const to = events[i].data.to;
        if (!transitionTable[status].includes(to)) throw new Error(`illegal ${status} -> ${to} at ${i}`);
        status = to;
      }
      sink += status.length;
    });
    report.measure({
      section: SECTION,
      id: 'replay.tableIncludes',
      label: 'fold via transitionTable[from].includes(to)',
      value: lists.perSecond,
      unit: 'events/s',
      detail: `${lists.events} events in ${lists.seconds.toFixed(2)} s`,
    });
  } catch (error) {
    report.fail(SECTION, 'table fold', error);
  }

  try {
    progress(`${SECTION}: xstate transition() for ${(config.durationMs / 1000).toFixed(1)} s`);
    let snapshot = jobMachine.resolveState({ value: 'Created' });
    let i = 0;
    const t0 = now();
    const deadline = t0 + config.durationMs;
    while (i < n && (i % 256 !== 0 || now() < deadline)) {
      const to = events[i].data.to;
      const [next] = transition(jobMachine, snapshot, { type: `to.${to}` });
      if (next.value !== to) throw new Error(`transition() refused ${snapshot.value} -> ${to} at ${i}`);
      snapshot = next;
      i++;
    }
    const seconds = (now() - t0) / 1000;
    report.measure({
      section: SECTION,
      id: 'replay.xstate',
      label: 'xstate transition(jobMachine, snapshot, event)',
      value: i / seconds,
      unit: 'events/s',
      detail: `${i} events in ${seconds.toFixed(2)} s`,
    });
  } catch (error) {
    report.fail(SECTION, 'xstate transition()', error);
  }

  try {
    need(mod, 'foldJobStream');
    const templates = await eventTemplates();
    const streams = Math.max(1, Math.floor(Math.min(n, 200_000) / templates.completed.length));
    const base = Date.parse('2026-01-01T00:00:00Z');
    const stored = [];
    for (let k = 0; k < streams; k++) {
      const { streamId, events: evs } = instantiate(templates.completed, 'r', k, base + k * 10);
      stored.push(
        evs.map((e, v) => ({
          eventId: `e${k}-${v}`,
          streamId,
          version: v,
          position: String(k * 10 + v + 1),
          type: e.type,
          schemaVersion: e.schemaVersion,
          data: e.data,
          metadata: { ...e.metadata, prevHash: '', hash: '' },
        })),
      );
    }
    const total = streams * templates.completed.length;
    progress(`${SECTION}: foldJobStream over ${streams} streams (${total} events)`);
    const full = repeatFor(config.durationMs, total, () => {
      for (const s of stored) {
        const r = mod.foldJobStream(s);
        if (r._tag !== 'Right') throw new Error(`foldJobStream: ${r.left.message}`);
        sink += r.right.version;
      }
    });
    report.measure({
      section: SECTION,
      id: 'replay.foldJobStream',
      label: 'foldJobStream (decode + evolve), 5-event streams',
      value: full.perSecond,
      unit: 'events/s',
      detail: `context only, no target; ${full.events} events in ${full.seconds.toFixed(2)} s`,
    });
  } catch (error) {
    report.fail(SECTION, 'foldJobStream', error);
  }
  if (sink === -1) console.log(sink); // keeps the folds observable

  report.target({
    id: 'replay.vs.xstate',
    label: 'replay: table fold / xstate transition()',
    ours: report.get('replay.table')?.value,
    baseline: report.get('replay.xstate')?.value,
    need: 100,
    unit: '/s',
  });
};
