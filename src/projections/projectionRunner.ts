import type { EventStore } from '../domain/EventStore.js';
import type { StoredEvent } from '../domain/storedEvent.js';
import type { ProjectionProgress, ReadModelStore } from './ReadModelStore.js';

/** Options of {@link catchUpProjections}. */
export interface CatchUpOptions {
  readonly batchSize?: number;
  readonly onProgress?: (progress: ProjectionProgress) => void;
}

/**
 * Feeds a read model from the log, from its checkpoint to the end, in batches (one checkpoint per batch).
 * `rebuildProjections` resets the read model first; a read model fed by a subscription uses the same loop.
 */
export const catchUpProjections = async (
  store: EventStore,
  readModel: ReadModelStore,
  options: CatchUpOptions = {},
): Promise<ProjectionProgress> => {
  const batchSize = options.batchSize ?? 1000;
  const after = (await readModel.checkpoint()) ?? undefined;
  let batch: StoredEvent[] = [];
  let events = 0;
  let position: string | null = after ?? null;
  const flush = async () => {
    if (batch.length === 0) return;
    await readModel.apply(batch);
    events += batch.length;
    position = batch[batch.length - 1]!.position;
    batch = [];
    options.onProgress?.({ events, position });
  };
  for await (const event of store.readAll({ ...(after !== undefined && { after }), batchSize })) {
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { events, position };
};

/** Rebuilds a read model from scratch: reset, then catch up over the whole log. */
export const rebuildReadModel = async (
  store: EventStore,
  readModel: ReadModelStore,
  options: CatchUpOptions = {},
): Promise<ProjectionProgress> => {
  await readModel.reset();
  return catchUpProjections(store, readModel, options);
};
