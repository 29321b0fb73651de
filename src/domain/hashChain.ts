import { createHash } from 'node:crypto';
import type { EventMetadata, StoredEvent } from './storedEvent.js';

// Object keys come from a small vocabulary (the events' field names): their JSON is made once. Bounded, since data
// may carry keys of users' own.
const keyJsonCache = new Map<string, string>();
const keyJson = (key: string): string => {
  let json = keyJsonCache.get(key);
  if (json === undefined) {
    json = JSON.stringify(key);
    if (keyJsonCache.size < 4096) keyJsonCache.set(key, json);
  }
  return json;
};

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
  // Loops and one string rather than map/filter/join: verify and rebuild hash every event of the log with it.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : canonicalJson(item));
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const key of keys) {
    const item = obj[key];
    if (item === undefined) continue;
    out += (out.length === 1 ? '' : ',') + keyJson(key) + ':' + canonicalJson(item);
  }
  return out + '}';
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
