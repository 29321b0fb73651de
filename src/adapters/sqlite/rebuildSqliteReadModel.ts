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
  /** Up to `limit` events at or before `until`, in (stream, version) order after the given key. */
  readonly eventsByStream: (
    after: { readonly streamId: string; readonly version: number },
    until: number,
    limit: number,
  ) => StoredEvent[];
}

/** The `rebuild` row: where an unfinished rebuild resumes. */
interface RebuildRow {
  readonly until: number;
  readonly stream_id: string | null;
  readonly version: number | null;
  readonly tail_position: number | null;
  readonly events: number;
}

/** True while a rebuild is under way: appends (from any process) then leave the projection tables alone. */
export const rebuildPendingSql = 'SELECT 1 FROM rebuild';

/**
 * Rebuilds every projection table from the log, `batchSize` events per transaction, and records after each
 * batch where it is, so that an interrupted rebuild (a crash, a throwing `onProgress`) resumes there on the
 * next call, from this process or another.
 *
 * A job's projection depends only on its own stream, so the first phase folds the log stream by stream (in
 * `(stream_id, version)` order, up to the end of the log as it was when the rebuild started): every job is
 * written once, in key order, instead of once per batch it has events in. Appends made meanwhile are not
 * projected by their writers (the `rebuild` row tells them); the second phase applies them in global order, and
 * its last transaction reaches the end of the log and removes the row, so the read model is consistent again
 * when it commits.
 */
export const rebuildSqliteReadModel = async (
  ctx: SqliteRebuildContext,
  onProgress?: (progress: ProjectionProgress) => void,
  batchSize = 5000,
): Promise<ProjectionProgress> => {
  const { db, projection, write, ensureOpen, eventsAfter, eventsByStream } = ctx;
  const selectRow = db.prepare<[], RebuildRow>(
    'SELECT until, stream_id, version, tail_position, events FROM rebuild',
  );
  const selectEnd = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
  const start = db.prepare('INSERT INTO rebuild (id, until, events) VALUES (1, ?, 0)');
  const saveStreamPhase = db.prepare('UPDATE rebuild SET stream_id = ?, version = ?, events = ?');
  const saveTailPhase = db.prepare('UPDATE rebuild SET tail_position = ?, events = ?');
  const finish = db.prepare('DELETE FROM rebuild');

  let first = true;
  let progress: ProjectionProgress = { events: 0, position: null };
  for (;;) {
    ensureOpen();
    const done = write((): boolean => {
      let row = selectRow.get();
      if (row === undefined) {
        // Another process finished the rebuild this call took part in.
        if (!first) return true;
        projection.clear();
        const until = selectEnd.get() ?? 0;
        start.run(until);
        row = { until, stream_id: null, version: null, tail_position: null, events: 0 };
      }
      if (row.tail_position === null) {
        const after = { streamId: row.stream_id ?? '', version: row.version ?? -1 };
        const events = eventsByStream(after, row.until, batchSize);
        projection.project(events);
        const count = row.events + events.length;
        const last = events[events.length - 1];
        if (events.length === batchSize && last !== undefined)
          saveStreamPhase.run(last.streamId, last.version, count);
        else saveTailPhase.run(row.until, count);
        progress = { events: count, position: null };
        return false;
      }
      const events = eventsAfter(row.tail_position, batchSize);
      projection.project(events);
      const count = row.events + events.length;
      const position = events.length === 0 ? row.tail_position : Number(events[events.length - 1]!.position);
      progress = { events: count, position: position === 0 ? null : String(position) };
      if (events.length === batchSize) {
        saveTailPhase.run(position, count);
        return false;
      }
      projection.setCheckpoint(position === 0 ? null : position);
      finish.run();
      return true;
    });
    first = false;
    onProgress?.(progress);
    if (done) return progress;
    // Let other work (group commits, reads) in between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
};
