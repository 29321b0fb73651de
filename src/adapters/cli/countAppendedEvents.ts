import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AppendResult, ExecuteOptions, TransactionalDecider } from '../../domain/EventStore.js';
import type { ProjectedEventStore } from '../../projections/ReadModelStore.js';

/**
 * Wraps a store so that every event it appends is counted (for "events written" and events/s). Everything else
 * goes to the store unchanged.
 *
 * @example
 * const counted = countAppendedEvents(openStore('memory:'));
 * const ledger = createJobLedger({ store: counted.store });
 * counted.count(); // events appended through the ledger so far
 */
export const countAppendedEvents = (
  store: ProjectedEventStore,
): { readonly store: ProjectedEventStore; readonly count: () => number } => {
  let count = 0;
  const counted =
    <L>(task: TE.TaskEither<L, AppendResult>): TE.TaskEither<L, AppendResult> =>
    async () => {
      const result = await task();
      if (E.isRight(result)) count += result.right.events.length;
      return result;
    };
  const append: ProjectedEventStore['append'] = (streamId, events, options) =>
    counted(store.append(streamId, events, options));
  const execute = <Err>(streamId: string, decider: TransactionalDecider<Err>, options?: ExecuteOptions) =>
    counted(store.execute!(streamId, decider, options));
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === 'append') return append;
      if (key === 'execute') return target.execute === undefined ? undefined : execute;
      const value: unknown = Reflect.get(target, key, target);
      // Methods run against the real store: adapters may be class instances that rely on `this`.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, count: () => count };
};
