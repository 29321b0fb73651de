/**
 * A clock the test moves. Call it (or `now()`) for the time — it fits `createJobLedger({ clock })` — and hand
 * `sleep` to code that waits, so that waiting takes no real time: `advance(ms)` wakes every sleeper whose time
 * has come, in order of their deadlines, and lets each run until it waits again before moving on.
 */
export interface VirtualClock {
  (): Date;
  /** The current virtual time. */
  now(): Date;
  /**
   * Moves time forward by `ms`, waking sleepers in deadline order (each at its own deadline, so code that reads
   * the clock after waking sees the time it asked for). Resolves once everything woken has run until it waits
   * again.
   */
  advance(ms: number): Promise<void>;
  /**
   * Resolves when the virtual time has moved `ms` forward (immediately for `ms <= 0`, after the pending
   * callbacks ran). An aborted `signal` rejects with its reason, as `timers/promises` does.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** How many `sleep`s are waiting. */
  sleepers(): number;
  /** Lets every callback that is ready run (no time passes). */
  settle(): Promise<void>;
}

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

/** Enough turns of the event loop for promise chains several awaits deep (store, session, handler) to finish. */
const settleTurns = 5;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Creates a {@link VirtualClock} starting at `start` (default 2026-01-01T00:00:00Z). No real timers: `sleep`
 * never calls `setTimeout`.
 *
 * @example
 * const clock = virtualClock();
 * const woke = clock.sleep(30_000).then(() => clock.now().toISOString());
 * await clock.advance(60_000);
 * await woke; // '2026-01-01T00:00:30.000Z'
 */
export const virtualClock = (start: Date | string = '2026-01-01T00:00:00.000Z'): VirtualClock => {
  let now = new Date(start).getTime();
  if (!Number.isFinite(now)) throw new Error(`virtualClock: start ${String(start)} is not a date`);
  let seq = 0;
  let sleepers: Sleeper[] = [];
  const settle = async () => {
    for (let i = 0; i < settleTurns; i++) await turn();
  };
  const clock = (() => new Date(now)) as VirtualClock;
  clock.now = () => new Date(now);
  clock.sleepers = () => sleepers.length;
  clock.settle = settle;
  clock.sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper: Sleeper = {
        at: now + Math.max(0, ms),
        seq: seq++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        sleepers = sleepers.filter((s) => s !== sleeper);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      sleepers.push(sleeper);
    });
  clock.advance = async (ms) => {
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error(`virtualClock.advance: ms must be a finite number >= 0, got ${ms}`);
    const until = now + ms;
    await settle();
    for (;;) {
      const due = sleepers.filter((s) => s.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      sleepers = sleepers.filter((s) => s !== due);
      now = Math.max(now, due.at);
      due.wake();
      await settle();
    }
    // A sleeper may have advanced the clock itself (a fault that lets time pass): time never goes back.
    now = Math.max(now, until);
    await settle();
  };
  return clock;
};
