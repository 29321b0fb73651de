import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/**
 * Wake-ups for the subscribers of one store object: its own commits wake them at once, other instances' commits
 * through LISTEN/NOTIFY on one dedicated connection (shared by every subscriber of the store object).
 *
 * A wake-up only says "read again": subscribers always read from their last position, so a lost notification
 * delays an event (until the subscriber's poll interval), never loses it.
 */
export interface EventNotifications {
  /** Resolves at the next wake-up. Take it before reading, so that a wake-up during the read is not missed. */
  next(): Promise<void>;
  /** After a commit: wakes this object's subscribers and tells other instances. */
  committed(): void;
  /** Starts listening (once per store object); resolves when listening, or when the first attempt failed. */
  listen(): Promise<void>;
  /** Stops listening and wakes every waiter. */
  close(): Promise<void>;
}

const initialDelayMs = 50;
const maxDelayMs = 2000;

/**
 * NOTIFY is sent after the commit, from a pool connection, at most once per `notifyIntervalMs` (commits meanwhile
 * share the next one), not inside the append transaction: a transaction that notifies takes a database-wide lock
 * at commit and holds it through the WAL flush, which serialises every notifying commit. Measured here with 8
 * clients of one-row inserts: 1874 commits/s without NOTIFY, 493 with NOTIFY in each transaction, 2394 with a
 * NOTIFY after each commit, coalesced. The price: a writer that dies between its commit and its NOTIFY wakes
 * nobody, and other instances see its events at their next poll.
 */
export const eventNotifications = (options: {
  readonly pool: pg.Pool;
  /** A new client for the listening connection (after a failover: to the new primary). */
  readonly newClient: () => pg.Client;
  /** Checks the connected listener's server (throws to try again later: a standby cannot LISTEN usefully). */
  readonly checkListener?: (client: pg.Client) => Promise<void>;
  readonly channel: string;
  readonly notifyIntervalMs?: number;
}): EventNotifications => {
  const { pool, newClient, checkListener, channel } = options;
  const notifyIntervalMs = options.notifyIntervalMs ?? 20;
  // Own notifications carry this id: local subscribers were woken already.
  const instanceId = randomUUID();
  let closed = false;

  let resolveNext: () => void = () => {};
  let nextWake = new Promise<void>((resolve) => (resolveNext = resolve));
  const wake = (): void => {
    const resolve = resolveNext;
    nextWake = new Promise<void>((r) => (resolveNext = r));
    resolve();
  };

  // --- NOTIFY, throttled ---------------------------------------------------------------------------------
  let lastSent = 0;
  let scheduled: NodeJS.Timeout | undefined;
  let pendingNotify = false;
  const sendNotify = async (): Promise<void> => {
    pendingNotify = false;
    scheduled = undefined;
    lastSent = Date.now();
    try {
      await pool.query({
        name: `${channel}:notify`,
        text: 'SELECT pg_notify($1, $2)',
        values: [channel, instanceId],
      });
    } catch {
      // Best effort by design (see above): other instances poll; the next commit notifies again.
    }
  };
  const notifyOthers = (): void => {
    if (pendingNotify || closed) return;
    pendingNotify = true;
    const wait = lastSent + notifyIntervalMs - Date.now();
    if (wait <= 0) void sendNotify();
    else scheduled = setTimeout(() => void sendNotify(), wait);
  };

  // --- LISTEN, reconnecting ------------------------------------------------------------------------------
  let listener: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delayMs = initialDelayMs;

  const scheduleReconnect = (): void => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delayMs);
    retry.unref();
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  };

  const connect = (): Promise<void> => {
    if (closed || listener !== undefined) return Promise.resolve();
    connecting ??= (async () => {
      const client = newClient();
      client.on('error', () => {
        // 'end' follows; reconnecting happens there.
      });
      client.on('notification', (message) => {
        if (message.payload !== instanceId) wake();
      });
      client.on('end', () => {
        if (listener !== client) return;
        listener = undefined;
        scheduleReconnect();
      });
      try {
        await client.connect();
        await checkListener?.(client);
        await client.query(`LISTEN "${channel}"`);
      } catch {
        // The server is away: try again later (subscribers poll meanwhile).
        await client.end().catch(() => undefined);
        scheduleReconnect();
        return;
      }
      if (closed) {
        await client.end();
        return;
      }
      listener = client;
      delayMs = initialDelayMs;
      // Commits may have happened while nobody listened: every subscriber reads again.
      wake();
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    next: () => nextWake,
    committed() {
      wake();
      notifyOthers();
    },
    listen: connect,
    async close() {
      if (scheduled !== undefined) {
        clearTimeout(scheduled);
        await sendNotify();
      }
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      await connecting;
      const client = listener;
      listener = undefined;
      wake();
      await client?.end().catch(() => undefined);
    },
  };
};
