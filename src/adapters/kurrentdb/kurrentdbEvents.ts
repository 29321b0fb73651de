import { createHash } from 'node:crypto';
import type { JSONEventData, Position, RecordedEvent } from '@kurrent/kurrentdb-client';
import type { EventMetadata, StoredEvent } from '../../domain/storedEvent.js';
import { formatKurrentPosition } from './kurrentdbPosition.js';

/**
 * How a stored event is kept in KurrentDB: the event's `type` and JSON `data` as they are, and jobledger's
 * metadata (recordedAt, actor, correlation, the hash chain, schemaVersion) as the event's JSON metadata, plus
 * the `$correlationId`/`$causationId` KurrentDB's own projections read. The KurrentDB event id is our event id
 * when that is a lower-case UUID; otherwise a UUID derived from it, and our id is kept in the metadata.
 */
export interface KurrentEventMetadata {
  readonly schemaVersion: number;
  readonly recordedAt: string;
  readonly actor: EventMetadata['actor'];
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly prevHash: string;
  readonly hash: string;
  /** Our event id, when it is not the KurrentDB event id. */
  readonly eventId?: string;
  readonly $correlationId?: string;
  readonly $causationId?: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID (version 8 layout, name-based) derived from any event id, for ids that are not UUIDs. */
export const kurrentEventIdOf = (eventId: string): string => {
  if (uuidPattern.test(eventId)) return eventId;
  const h = createHash('sha256').update(`jobledger-event-id:${eventId}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** The KurrentDB event data of a sealed event. */
export const toKurrentEventData = (event: StoredEvent): JSONEventData => {
  const m = event.metadata;
  const id = kurrentEventIdOf(event.eventId);
  const metadata: KurrentEventMetadata = {
    schemaVersion: event.schemaVersion,
    recordedAt: m.recordedAt,
    actor: m.actor,
    ...(m.correlationId !== undefined && { correlationId: m.correlationId, $correlationId: m.correlationId }),
    ...(m.causationId !== undefined && { causationId: m.causationId, $causationId: m.causationId }),
    prevHash: m.prevHash,
    hash: m.hash,
    ...(id !== event.eventId && { eventId: event.eventId }),
  };
  return {
    id,
    contentType: 'application/json',
    type: event.type,
    // The client sends JSON.stringify(data); undefined would not serialise.
    data: (event.data ?? null) as JSONEventData['data'],
    metadata: metadata as unknown as JSONEventData['metadata'],
  };
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when KurrentDB metadata is jobledger's (an event this store wrote). */
export const isJobledgerMetadata = (metadata: unknown): metadata is KurrentEventMetadata =>
  isObject(metadata) &&
  typeof metadata.schemaVersion === 'number' &&
  typeof metadata.recordedAt === 'string' &&
  typeof metadata.prevHash === 'string' &&
  typeof metadata.hash === 'string' &&
  isObject(metadata.actor);

/**
 * The stored event of a KurrentDB recorded event, or undefined when the event is not one of ours (a system
 * event, an event another application wrote, a binary event): readAll and subscribe skip those.
 */
export const fromKurrentRecordedEvent = (
  recorded: RecordedEvent,
  fallbackPosition?: Position,
): StoredEvent | undefined => {
  if (!recorded.isJson || recorded.type.startsWith('$')) return undefined;
  const m: unknown = recorded.metadata;
  if (!isJobledgerMetadata(m)) return undefined;
  const position = recorded.position ?? fallbackPosition;
  if (position === undefined) return undefined;
  const metadata: EventMetadata = {
    recordedAt: m.recordedAt,
    actor: m.actor,
    ...(m.correlationId !== undefined && { correlationId: m.correlationId }),
    ...(m.causationId !== undefined && { causationId: m.causationId }),
    prevHash: m.prevHash,
    hash: m.hash,
  };
  return {
    eventId: m.eventId ?? recorded.id,
    streamId: recorded.streamId,
    version: Number(recorded.revision),
    position: formatKurrentPosition(position),
    type: recorded.type,
    schemaVersion: m.schemaVersion,
    data: recorded.data as unknown,
    metadata,
  };
};
