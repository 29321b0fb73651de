import { randomUUID } from 'node:crypto';
import { sealedHash } from '../domain/hashChain.js';
import type { EventMetadata, NewEvent, StoredEvent } from '../domain/storedEvent.js';

/** The end of a stream as a store sees it before an append. */
export interface StreamTip {
  readonly version: number;
  readonly hash: string;
}

/** The tip of a stream that does not exist yet. */
export const emptyTip: StreamTip = { version: -1, hash: '' };

/**
 * Turns new events into stored ones: consecutive versions after `tip`, an event id when none was given, the
 * recording time when none was given, and the hash chain. `positionOf(i)` gives the store's position of the
 * i-th event. Every adapter seals the same way, so a copied log keeps its hashes.
 */
export const sealEvents = (
  streamId: string,
  tip: StreamTip,
  events: readonly NewEvent[],
  positionOf: (index: number) => string,
  now: () => Date = () => new Date(),
): StoredEvent[] => sealEventsWithTexts(streamId, tip, events, positionOf, now).sealed;

/**
 * {@link sealEvents}, and each event's data as the canonical JSON text its hash covers: a store that keeps text
 * writes that text, so that verify can hash it as it reads it (`storedHashMatches`).
 */
export const sealEventsWithTexts = (
  streamId: string,
  tip: StreamTip,
  events: readonly NewEvent[],
  positionOf: (index: number) => string,
  now: () => Date = () => new Date(),
): { readonly sealed: StoredEvent[]; readonly dataTexts: readonly string[] } => {
  const sealed: StoredEvent[] = [];
  const dataTexts: string[] = [];
  let prevHash = tip.hash;
  events.forEach((event, i) => {
    const version = tip.version + 1 + i;
    const m = event.metadata ?? {};
    const metadata: Omit<EventMetadata, 'hash'> = {
      recordedAt: m.recordedAt ?? now().toISOString(),
      actor: m.actor ?? { kind: 'system', id: 'system' },
      ...(m.correlationId !== undefined && { correlationId: m.correlationId }),
      ...(m.causationId !== undefined && { causationId: m.causationId }),
      prevHash,
    };
    const base = {
      eventId: event.eventId ?? randomUUID(),
      streamId,
      version,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data,
      metadata,
    };
    const { hash, dataText } = sealedHash(base);
    sealed.push({ ...base, position: positionOf(i), metadata: { ...metadata, hash } });
    dataTexts.push(dataText);
    prevHash = hash;
  });
  return { sealed, dataTexts };
};
