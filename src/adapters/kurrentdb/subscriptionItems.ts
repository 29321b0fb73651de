import type { Readable } from 'node:stream';

/** A readable subscription of the client: a Readable in object mode that can be cancelled. */
export interface CancellableReadable extends Readable {
  unsubscribe(): Promise<void>;
}

/** Options of {@link readableItems}. */
export interface ReadableItemsOptions {
  /** Ends the iteration (and cancels the subscription) when it aborts. */
  readonly signal?: AbortSignal;
  /** Items buffered before the subscription is paused (default 1000); resumed below half of it. */
  readonly highWaterMark?: number;
}

/**
 * The items of a client subscription as an async iterable that ends as soon as `signal` aborts (even while
 * waiting for the next item), ends when the subscription ends, and throws the subscription's error. Pauses the
 * subscription while the consumer lags, so memory stays bounded. Cancels the subscription when the iteration
 * ends for any reason (abort, error, `break`).
 */
export async function* readableItems(
  subscription: CancellableReadable,
  options: ReadableItemsOptions = {},
): AsyncGenerator<unknown> {
  const { signal } = options;
  const highWaterMark = Math.max(1, options.highWaterMark ?? 1000);
  const queue: unknown[] = [];
  let ended = false;
  let failed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (item: unknown): void => {
    queue.push(item);
    if (queue.length >= highWaterMark) subscription.pause();
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onError = (error: unknown): void => {
    if (!failed) {
      failed = true;
      failure = error;
    }
    notify();
  };
  subscription.on('data', onData);
  subscription.on('end', onEnd);
  subscription.on('close', onEnd);
  subscription.on('error', onError);
  signal?.addEventListener('abort', notify);
  try {
    for (;;) {
      if (signal?.aborted === true) return;
      if (queue.length > 0) {
        const item = queue.shift();
        if (queue.length <= highWaterMark / 2 && subscription.isPaused()) subscription.resume();
        yield item;
        continue;
      }
      if (failed) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    subscription.off('data', onData);
    subscription.off('end', onEnd);
    subscription.off('close', onEnd);
    subscription.off('error', onError);
    signal?.removeEventListener('abort', notify);
    // A late error after cancelling must not become an unhandled 'error' event.
    subscription.on('error', () => undefined);
    await subscription.unsubscribe().catch(() => undefined);
  }
}
