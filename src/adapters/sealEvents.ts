import { randomUUID } from 'node:crypto';
import { sealedHash, type SealedTexts } from '../domain/hashChain.js';
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
 * {@link sealEvents}, and each event's data and metadata as canonical JSON texts: a store that keeps text writes
 * those, so that verify can hash them as it reads them (`storedHashMatches`).
 */
export const sealEventsWithTexts = (
  streamId: string,
  tip: StreamTip,
  events: readonly NewEvent[],
  positionOf: (index: number) => string,
  now: () => Date = () => new Date(),
): { readonly sealed: StoredEvent[]; readonly texts: readonly SealedTexts[] } => {
  const sealed: StoredEvent[] = [];
  const texts: SealedTexts[] = [];
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
    const sealedTexts = sealedHash(base);
    const hash = sealedTexts.hash;
    sealed.push({ ...base, position: positionOf(i), metadata: { ...metadata, hash } });
    texts.push(sealedTexts);
    prevHash = hash;
  });
  return { sealed, texts };
};
