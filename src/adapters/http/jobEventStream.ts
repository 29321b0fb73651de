import type { ServerResponse } from 'node:http';
import type { JobLedger } from '../../app/createJobLedger.js';
import { jobStreamId, type StoredEvent } from '../../domain/storedEvent.js';
import { eventStreamResponse } from './eventStreamResponse.js';
import { storedEventWire } from './storedEventWire.js';

/** How much an event stream may hold for a client that does not read (see {@link streamJobEvents}). */
export interface EventStreamLimits {
  /** Bytes written but not yet taken by the client before it is cut off (default 1 MiB). */
  readonly maxBufferedBytes: number;
  /** Live events held while the stream's history is still being sent, before the client is cut off. */
  readonly maxPendingEvents: number;
}

export const defaultEventStreamLimits: EventStreamLimits = {
  maxBufferedBytes: 1024 * 1024,
  maxPendingEvents: 10_000,
};

const frame = (event: StoredEvent): string =>
  `id: ${event.version}\nevent: ${event.type}\ndata: ${JSON.stringify(storedEventWire(event))}\n\n`;

/** Resolves when `res` can take more, or has closed. */
const drained = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

/**
 * Writes one job's events to `res` as server-sent events after version `after` (the client's `Last-Event-ID`),
 * `id:` being the event's version: first its history from the store, then live events from the ledger's shared
 * feed (no store subscription of its own). The feed listener is registered before the history is read, and
 * events are sent by version, so one that lands in between is sent exactly once.
 *
 * A client that stops reading is cut off once `maxBufferedBytes` wait for it (the history is sent at the
 * client's pace; only live events can pile up): memory stays bounded, and the client resumes with
 * `Last-Event-ID` from the last event it did get. Resolves when the stream ends: the client left, was cut off,
 * or `shutdown` aborted.
 */
export const streamJobEvents = async (
  ledger: JobLedger,
  jobId: string,
  after: number,
  res: ServerResponse,
  shutdown: AbortSignal,
  limits: EventStreamLimits = defaultEventStreamLimits,
): Promise<void> => {
  const streamId = jobStreamId(jobId);
  let last = after;
  let live = false;
  const pending: StoredEvent[] = [];
  const write = (event: StoredEvent): void => {
    if (event.version <= last) return;
    last = event.version;
    stream.write(frame(event));
  };
  const stopListening = ledger.feed.listen(streamId, undefined, (event) => {
    if (live) write(event);
    else if (pending.push(event) > limits.maxPendingEvents) stream.finish(true);
  });
  const stream = eventStreamResponse(res, shutdown, limits.maxBufferedBytes, stopListening);

  stream.write(': jobledger event stream\n\n');
  try {
    // The history at the client's pace: only live events can pile up.
    for await (const event of ledger.store.readStream(streamId, { from: after + 1 })) {
      if (stream.finished) break;
      write(event);
      if (res.writableNeedDrain) await drained(res);
    }
    for (const event of pending.splice(0)) write(event);
    live = true;
  } catch (error) {
    stream.finish(true);
    throw error;
  }
  return stream.done;
};
