import { createHash } from 'node:crypto';
import type { EventMetadata, StoredEvent } from './storedEvent.js';

/**
 * JSON with object keys sorted at every depth and `undefined` members left out, so that the same event hashes
 * the same on every store and every machine.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
};

/** The part of an event that is hashed: everything but `position` (store-specific) and `metadata.hash`. */
export type HashedEvent = Omit<StoredEvent, 'position' | 'metadata'> & {
  readonly metadata: Omit<EventMetadata, 'hash'>;
};

/** `sha256(prevHash + canonicalJson(event without hash))`, hex. The first event of a stream has prevHash "". */
export const eventHash = (event: HashedEvent): string =>
  createHash('sha256')
    .update(event.metadata.prevHash + canonicalJson(event))
    .digest('hex');

/** Recomputes the hash of a stored event and says whether it matches the stored one. */
export const hashMatches = (event: StoredEvent): boolean => {
  const { hash, ...metadata } = event.metadata;
  const { position: _position, ...rest } = event;
  return eventHash({ ...rest, metadata }) === hash;
};
