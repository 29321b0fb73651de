import type { ServerResponse } from 'node:http';

/** One server-sent event stream's response, from its head to its end (see {@link eventStreamResponse}). */
export interface EventStreamResponse {
  /** Ends the stream (once): gracefully, or `cutOff` — dropping what waits for a client that stopped reading. */
  finish(cutOff: boolean): void;
  /** True once the stream ended. */
  readonly finished: boolean;
  /** Resolves when the stream ended: the client left, was cut off, or the server shut down. */
  readonly done: Promise<void>;
  /** Writes `text`; cuts the client off when more than `maxBufferedBytes` then wait for it. */
  write(text: string): void;
}

/**
 * Starts a `text/event-stream` answer on `res` and ends it when the client leaves or `shutdown` aborts; `onEnd`
 * runs once when it ends, however it ends (to stop listening to the feed). A client whose unread bytes pass
 * `maxBufferedBytes` is disconnected, so a stalled client never grows the server's memory.
 */
export const eventStreamResponse = (
  res: ServerResponse,
  shutdown: AbortSignal,
  maxBufferedBytes: number,
  onEnd: () => void,
): EventStreamResponse => {
  let finished = false;
  let resolveDone = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const finish = (cutOff: boolean): void => {
    if (finished) return;
    finished = true;
    res.off('close', onClose);
    shutdown.removeEventListener('abort', onClose);
    onEnd();
    // Cut off: what waits in the buffer is dropped; the client resumes from what it did read.
    if (cutOff) res.destroy();
    else res.end();
    resolveDone();
  };
  const onClose = () => finish(false);
  res.on('close', onClose);
  shutdown.addEventListener('abort', onClose, { once: true });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  if (shutdown.aborted) finish(false);
  return {
    finish,
    get finished() {
      return finished;
    },
    done,
    write(text) {
      if (finished) return;
      res.write(text);
      if (res.writableLength > maxBufferedBytes) finish(true);
    },
  };
};
