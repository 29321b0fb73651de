import type { JobState } from '../../domain/jobState.js';
import { jobIdOfStream, type StoredEvent } from '../../domain/storedEvent.js';
import { foldProjection } from './postgresProjection.js';

/**
 * What a store object knows of one stream: its tip, and for most streams all its events. A view may be out of
 * date — `append_events` checks the tip it was sealed against, so a stale view costs a retry, never a wrong
 * write.
 */
export interface StreamView {
  readonly streamId: string;
  /** The last version, -1 for no stream. */
  readonly version: number;
  readonly hash: string;
  /** The position of the last event, when known. */
  readonly lastPosition: string | undefined;
  /** Every event of the stream, when known (job streams always). */
  readonly events: readonly StoredEvent[] | undefined;
  /** The projected state of the job after `events` (job streams), computed once when first asked. */
  projected?: { readonly state: JobState | undefined };
}

/** The view of a stream with no events. */
export const emptyView = (streamId: string): StreamView => ({
  streamId,
  version: -1,
  hash: '',
  lastPosition: undefined,
  events: [],
});

/** A view over all the events of a stream. */
export const viewOf = (streamId: string, events: readonly StoredEvent[]): StreamView => {
  const last = events[events.length - 1];
  return last === undefined
    ? emptyView(streamId)
    : { streamId, version: last.version, hash: last.metadata.hash, lastPosition: last.position, events };
};

/** The projected job state of a job stream's view (undefined: no row, or not a job stream). */
export const projectedOf = (view: StreamView): JobState | undefined => {
  if (view.projected === undefined) {
    if (view.events === undefined) throw new Error(`the events of ${view.streamId} are not known here`);
    view.projected = {
      state: jobIdOfStream(view.streamId) === undefined ? undefined : foldProjection(undefined, view.events),
    };
  }
  return view.projected.state;
};

/**
 * `view` followed by `tail` (the events after its tip); undefined when the tail does not continue the view
 * (then the view was wrong and must be read again).
 */
export const extendView = (view: StreamView, tail: readonly StoredEvent[]): StreamView | undefined => {
  const last = tail[tail.length - 1];
  if (last === undefined) return view;
  if (tail[0]!.version !== view.version + 1) return undefined;
  const extended: StreamView = {
    streamId: view.streamId,
    version: last.version,
    hash: last.metadata.hash,
    lastPosition: last.position,
    events: view.events === undefined ? undefined : [...view.events, ...tail],
  };
  if (view.projected !== undefined && jobIdOfStream(view.streamId) !== undefined) {
    extended.projected = { state: foldProjection(view.projected.state, tail) };
  }
  return extended;
};

/**
 * The views of the streams this store object wrote or read last, least recently used first out, bounded by
 * the number of events they hold. Commands on a job that this instance touched recently (claim, run, complete)
 * then decide without reading the stream first.
 */
export const streamCache = (maxEvents: number) => {
  const views = new Map<string, StreamView>();
  let held = 0;
  const weight = (view: StreamView): number => (view.events?.length ?? 0) + 1;
  const remove = (streamId: string): void => {
    const old = views.get(streamId);
    if (old === undefined) return;
    views.delete(streamId);
    held -= weight(old);
  };
  return {
    get(streamId: string): StreamView | undefined {
      const view = views.get(streamId);
      if (view !== undefined) {
        views.delete(streamId);
        views.set(streamId, view);
      }
      return view;
    },
    set(view: StreamView): StreamView {
      remove(view.streamId);
      if (weight(view) > maxEvents) return view;
      views.set(view.streamId, view);
      held += weight(view);
      for (const [id, oldest] of views) {
        if (held <= maxEvents) break;
        views.delete(id);
        held -= weight(oldest);
      }
      return view;
    },
    delete: remove,
    clear(): void {
      views.clear();
      held = 0;
    },
  };
};

export type StreamCache = ReturnType<typeof streamCache>;
