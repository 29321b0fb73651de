import type { StoredEvent } from '../../domain/storedEvent.js';

/** A stored event as the audit wire shape: snake_case keys, dates as ISO-8601 strings, `data` as stored. */
export interface StoredEventWire {
  readonly event_id: string;
  readonly stream_id: string;
  readonly version: number;
  readonly position: string;
  readonly type: string;
  readonly schema_version: number;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The wire shape of an audit event (the `GET /jobs/{id}/history` items and the SSE `data`).
 *
 * @example
 * storedEventWire(event).metadata.hash; // the event's hash in the chain
 */
export const storedEventWire = (event: StoredEvent): StoredEventWire => ({
  event_id: event.eventId,
  stream_id: event.streamId,
  version: event.version,
  position: event.position,
  type: event.type,
  schema_version: event.schemaVersion,
  data: JSON.parse(JSON.stringify(event.data)) as unknown,
  metadata: Object.fromEntries(
    Object.entries(event.metadata).map(([k, v]) => [
      snake(k),
      v instanceof Date ? v.toISOString() : (v as unknown),
    ]),
  ),
});
