import { defaultIdempotencyTtlMs, type IdempotencyStore, type RememberedAnswer } from './IdempotencyStore.js';

/**
 * Answers remembered in this process only (the default of `createHttpServer`; lost on restart).
 *
 * @example
 * createHttpServer({ ledger, tokens, idempotency: memoryIdempotencyStore(60 * 60 * 1000) }); // an hour
 */
export const memoryIdempotencyStore = (ttlMs = defaultIdempotencyTtlMs): IdempotencyStore => {
  const answers = new Map<string, RememberedAnswer>();
  const id = (scope: string, key: string) => JSON.stringify([scope, key]);
  return {
    lookup: async (scope, key, now) => {
      const found = answers.get(id(scope, key));
      if (found !== undefined && now - found.at > ttlMs) answers.delete(id(scope, key));
      return found !== undefined && now - found.at <= ttlMs ? found : undefined;
    },
    remember: async (scope, key, answer) => {
      // Bounded time also bounds memory: the oldest answers come first in the map, so the sweep stops at the
      // first one still young.
      for (const [k, a] of answers) {
        if (answer.at - a.at <= ttlMs) break;
        answers.delete(k);
      }
      if (!answers.has(id(scope, key))) answers.set(id(scope, key), answer);
    },
    close: async () => answers.clear(),
  };
};
