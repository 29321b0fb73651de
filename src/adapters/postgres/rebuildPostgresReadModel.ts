import type pg from 'pg';
import { jobIdOfStream, type StoredEvent } from '../../domain/storedEvent.js';
import type { ProjectionProgress } from '../../projections/ReadModelStore.js';
import { jobChildTables, type PostgresNames } from './migrations.js';
import { foldProjection, jobProjectionPayload, projectionJson } from './postgresProjection.js';

/** What a rebuild needs from the store that owns the pool. */
export interface PostgresRebuildContext {
  readonly names: PostgresNames;
  readonly ready: () => Promise<void>;
  readonly transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  readonly checkpoint: () => Promise<string | null>;
  /** Turns a row of the events table (as the read functions give it) into a stored event. */
  readonly toStoredEvent: (row: EventRow) => StoredEvent;
}

/** A row of `lock_stream`, `read_after` and the stream reads. */
export interface EventRow {
  readonly position: string;
  readonly stream_id: string;
  readonly version: number;
  readonly event_id: string;
  readonly type: string;
  readonly schema_version: number;
  readonly data: unknown;
  readonly metadata: unknown;
}

/**
 * Rebuilds every job projection from the log, stream by stream in stream-id order, about `batchSize` events per
 * transaction, and records after each batch the last stream it rebuilt: an interrupted rebuild (a crash, a
 * throwing `onProgress`) resumes there on the next call, from this process or another.
 *
 * A job's projection depends only on its own stream, so each batch takes the locks of its job streams (the ones
 * appends take), reads them whole and writes their projections from scratch. Appends meanwhile keep projecting
 * (and heal a job the rebuild has not reached: see `write_projections`); when the rebuild reaches a stream it
 * waits for the append in flight on it and then rewrites it, so when the last batch commits every job equals
 * the fold of its stream. The read model stays readable throughout. Projections of jobs without a stream are
 * removed at the end.
 */
export const rebuildPostgresReadModel = async (
  ctx: PostgresRebuildContext,
  onProgress?: (progress: ProjectionProgress) => void,
  batchSize = 2000,
): Promise<ProjectionProgress> => {
  const { names, transaction, toStoredEvent } = ctx;
  const { q } = names;
  await ctx.ready();
  let first = true;
  for (;;) {
    const step = await transaction(async (client): Promise<{ done: boolean; events: number }> => {
      let row = (
        await client.query<{ after_stream: string; events: string }>(
          `SELECT after_stream, events FROM ${q('rebuild')} WHERE id = 1 FOR UPDATE`,
        )
      ).rows[0];
      if (row === undefined) {
        // Another process finished the rebuild this call took part in.
        if (!first) return { done: true, events: 0 };
        await client.query(
          `INSERT INTO ${q('rebuild')} (id, after_stream, events) VALUES (1, '', 0) ON CONFLICT (id) DO NOTHING`,
        );
        row = (
          await client.query<{ after_stream: string; events: string }>(
            `SELECT after_stream, events FROM ${q('rebuild')} WHERE id = 1 FOR UPDATE`,
          )
        ).rows[0]!;
      }
      const streams = (
        await client.query<{ stream_id: string; n: number }>(
          `SELECT stream_id, count(*)::integer AS n FROM ${q('events')} WHERE stream_id > $1
           GROUP BY stream_id ORDER BY stream_id LIMIT $2`,
          [row.after_stream, batchSize],
        )
      ).rows;
      let total = 0;
      const batch = streams.filter((s, i) => (total += s.n) <= batchSize || i === 0);
      const done = Number(row.events);
      if (batch.length === 0) {
        await client.query(
          `DELETE FROM ${q('jobs')} j WHERE NOT EXISTS
             (SELECT 1 FROM ${q('events')} e WHERE e.stream_id = 'job-' || j.job_id)`,
        );
        for (const child of jobChildTables) {
          await client.query(
            `DELETE FROM ${q(child)} c WHERE NOT EXISTS (SELECT 1 FROM ${q('jobs')} j WHERE j.job_id = c.job_id)`,
          );
        }
        await client.query(
          `UPDATE ${q('checkpoints')} SET position = NULL, live = true WHERE name = 'read-model'`,
        );
        await client.query(`DELETE FROM ${q('rebuild')}`);
        return { done: true, events: done };
      }
      const jobStreams = batch.map((s) => s.stream_id).filter((s) => jobIdOfStream(s) !== undefined);
      let events = batch.filter((s) => jobIdOfStream(s.stream_id) === undefined).reduce((n, s) => n + s.n, 0);
      if (jobStreams.length > 0) {
        await client.query(`SELECT ${q('lock_streams')}($1::text[])`, [jobStreams]);
        const rows = (
          await client.query<EventRow>(
            `SELECT e.tx_id::text || ':' || e.seq::text AS position, e.stream_id, e.version, e.event_id, e.type,
               e.schema_version, e.data, e.metadata
             FROM ${q('events')} e WHERE e.stream_id = ANY($1::text[]) ORDER BY e.stream_id, e.version`,
            [jobStreams],
          )
        ).rows;
        events += rows.length;
        const byStream = new Map<string, StoredEvent[]>();
        for (const r of rows) {
          const list = byStream.get(r.stream_id) ?? [];
          list.push(toStoredEvent(r));
          byStream.set(r.stream_id, list);
        }
        const payloads = [...byStream].map(([streamId, stream]) => {
          const jobId = jobIdOfStream(streamId)!;
          const state = foldProjection(undefined, stream);
          return state === undefined
            ? { jobId, delete: true as const }
            : jobProjectionPayload(jobId, undefined, state, true);
        });
        await client.query(`SELECT ${q('write_projections')}($1::jsonb)`, [projectionJson(payloads)]);
      }
      await client.query(`UPDATE ${q('rebuild')} SET after_stream = $1, events = events + $2 WHERE id = 1`, [
        batch[batch.length - 1]!.stream_id,
        events,
      ]);
      return { done: false, events: done + events };
    });
    first = false;
    if (step.done) {
      const progress = { events: step.events, position: await ctx.checkpoint() };
      onProgress?.(progress);
      return progress;
    }
    onProgress?.({ events: step.events, position: null });
  }
};
