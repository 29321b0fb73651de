/**
 * Waits `ms`, or less: until `signal` aborts or `woken` settles, whichever comes first. Never rejects; the timer
 * and the abort listener are released as soon as it resolves.
 *
 * @example
 * await sleepUntil(1000, { signal, woken: nextNotification }); // a poll loop's pause
 */
export const sleepUntil = (
  ms: number,
  options: { readonly signal?: AbortSignal | undefined; readonly woken?: Promise<unknown> } = {},
): Promise<void> =>
  new Promise<void>((resolve) => {
    const { signal, woken } = options;
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    woken?.then(done, done);
  });
