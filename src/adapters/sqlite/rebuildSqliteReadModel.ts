import type BetterSqlite3 from 'better-sqlite3';
import type { StoredEvent } from '../../domain/storedEvent.js';
import type { ProjectionProgress } from '../../projections/ReadModelStore.js';
import type { SqliteProjection } from './sqliteProjection.js';

/** What a rebuild needs from the store that owns the connection. */
export interface SqliteRebuildContext {
  readonly db: BetterSqlite3.Database;
  readonly projection: SqliteProjection;
  readonly write: <T>(work: () => T) => T;
  readonly ensureOpen: () => void;
  /** Up to `limit` events after `position`, in global order. */
  readonly eventsAfter: (position: number, limit: number) => StoredEvent[];
}

interface RebuildMarker {
  readonly position: number;
  readonly events: number;
}

/**
 * While a rebuild is under way, the `'rebuild'` checkpoint row exists. Appends (from any process) then leave
 * the projection tables alone: the rebuild reads the log up to its end and takes those events in too.
 */
export const rebuildPendingSql = "SELECT 1 FROM checkpoints WHERE name = 'rebuild'";

/**
 * Rebuilds every projection table from the log, `batchSize` events per transaction, recording where it is
 * after each batch so that an interrupted rebuild (a crash, a throwing `onProgress`) resumes there on the next
 * call instead of starting over. The last batch reaches the end of the log inside its transaction, so the read
 * model is consistent again when it commits.
 */
export const rebuildSqliteReadModel = async (
  ctx: SqliteRebuildContext,
  onProgress?: (progress: ProjectionProgress) => void,
  batchSize = 5000,
): Promise<ProjectionProgress> => {
  const { db, projection, write, ensureOpen, eventsAfter } = ctx;
  const selectMarker = db.prepare<[], RebuildMarker>(
    "SELECT position, events FROM checkpoints WHERE name = 'rebuild'",
  );
  const startMarker = db.prepare("INSERT INTO checkpoints (name, position, events) VALUES ('rebuild', 0, 0)");
  const updateMarker = db.prepare("UPDATE checkpoints SET position = ?, events = ? WHERE name = 'rebuild'");
  const endMarker = db.prepare("DELETE FROM checkpoints WHERE name = 'rebuild'");

  let first = true;
  let progress: ProjectionProgress = { events: 0, position: null };
  for (;;) {
    ensureOpen();
    const step = write(() => {
      let marker = selectMarker.get();
      if (marker === undefined) {
        // Another process finished the rebuild this call took part in.
        if (!first) return { done: true, progress };
        projection.clear();
        startMarker.run();
        marker = { position: 0, events: 0 };
      }
      const events = eventsAfter(marker.position, batchSize);
      projection.project(events);
      const position = events.length === 0 ? marker.position : Number(events[events.length - 1]!.position);
      const count = marker.events + events.length;
      projection.setCheckpoint(position === 0 ? null : position);
      const done = events.length < batchSize;
      if (done) endMarker.run();
      else updateMarker.run(position, count);
      return { done, progress: { events: count, position: position === 0 ? null : String(position) } };
    });
    first = false;
    progress = step.progress;
    onProgress?.(progress);
    if (step.done) return progress;
    // Let other work (group commits, reads) in between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
};
