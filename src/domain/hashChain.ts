import * as crypto from 'node:crypto';
import { keyJson } from './codecs/jsonText.js';
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

// The one-shot `crypto.hash` (Node 20.12+) skips the Hash object per event; the same digest either way.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex =
  oneShot !== undefined
    ? (text: string): string => oneShot('sha256', text, 'hex')
    : (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/** `sha256(prevHash + canonicalJson(event without hash))`, hex. The first event of a stream has prevHash "". */
export const eventHash = (event: HashedEvent): string =>
  sha256Hex(event.metadata.prevHash + canonicalJson(event));

/** canonicalJson of `obj` without its member `skip` (and `metadata` without `hash`, for the event itself). */
const canonicalWithout = (obj: Record<string, unknown>, skip: string): string => {
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const key of keys) {
    if (key === skip) continue;
    const item = obj[key];
    if (item === undefined) continue;
    const json =
      key === 'metadata' &&
      skip === 'position' &&
      item !== null &&
      typeof item === 'object' &&
      !Array.isArray(item)
        ? canonicalWithout(item as Record<string, unknown>, 'hash')
        : canonicalJson(item);
    out += (out.length === 1 ? '' : ',') + keyJson(key) + ':' + json;
  }
  return out + '}';
};

/**
 * Recomputes the hash of a stored event and says whether it matches the stored one. The same text as
 * `eventHash` of the event without `position` and `metadata.hash`, written without copying the event first:
 * verify and rebuild check every event of the log.
 */
export const hashMatches = (event: StoredEvent): boolean =>
  sha256Hex(
    event.metadata.prevHash + canonicalWithout(event as unknown as Record<string, unknown>, 'position'),
  ) === event.metadata.hash;
