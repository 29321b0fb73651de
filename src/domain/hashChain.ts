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

/**
 * The text of `canonicalJson(event)` with `dataText` standing for `canonicalJson(event.data)` and `metadataText`
 * for the canonical metadata without its hash: the members of a stored event in key order.
 */
const eventText = (event: HashedEvent, dataText: string, metadataText: string): string =>
  '{"data":' +
  dataText +
  ',"eventId":' +
  JSON.stringify(event.eventId) +
  ',"metadata":' +
  metadataText +
  ',"schemaVersion":' +
  canonicalJson(event.schemaVersion) +
  ',"streamId":' +
  JSON.stringify(event.streamId) +
  ',"type":' +
  JSON.stringify(event.type) +
  ',"version":' +
  canonicalJson(event.version) +
  '}';

/** The texts a store keeps of a sealed event, as {@link sealedHash} gives them. */
export interface SealedTexts {
  readonly hash: string;
  /** `canonicalJson(event.data)`: valid JSON of the same value. */
  readonly dataText: string;
  /** `canonicalJson` of the metadata with its hash. */
  readonly metadataText: string;
}

/**
 * Seals an event: its hash, and the canonical texts of its data and metadata, which a store that keeps text
 * can write as they are (they are valid JSON of the same values) so that {@link storedHashMatches} can later
 * hash them as it reads them.
 */
export const sealedHash = (event: HashedEvent): SealedTexts => {
  const dataText = event.data === undefined ? 'null' : canonicalJson(event.data);
  const text =
    event.data === undefined
      ? canonicalJson(event)
      : eventText(event, dataText, canonicalJson(event.metadata));
  const hash = sha256Hex(event.metadata.prevHash + text);
  return { hash, dataText, metadataText: canonicalJson({ ...event.metadata, hash }) };
};

const storedTexts = Symbol('jobledger.storedTexts');

/**
 * Remembers, on an event object just read from a store, the texts the store holds for its data and metadata
 * (not enumerable: copies and spreads of the event do not carry them). {@link storedHashMatches} first hashes
 * those texts in place of re-encoding the event.
 */
export const withStoredTexts = <T extends object>(event: T, dataText: string, metadataText: string): T =>
  Object.defineProperty(event, storedTexts, { value: { dataText, metadataText } });

/** The texts {@link withStoredTexts} put on `event`, if any. */
const storedTextsOf = (event: object): { dataText: string; metadataText: string } | undefined =>
  (event as { [storedTexts]?: { dataText: string; metadataText: string } })[storedTexts];

// Logs written before events were stored as canonical text miss the shortcut on most events; after a miss the
// shortcut is tried again on one event in 256 only, so such a log pays for about 0.4% of its events twice.
let shortcutPause = 0;

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

/**
 * {@link hashMatches} for events just read from a store (verify): when the store left the row's texts on the
 * event ({@link withStoredTexts}), those are hashed as they are, and the event is re-encoded only when they do
 * not match. The answer is the same as hashMatches' as long as the event's data and metadata are the parse of
 * those texts, which holds for an event nobody changed since it was read.
 */
export const storedHashMatches = (event: StoredEvent): boolean => {
  const texts = storedTextsOf(event);
  if (texts !== undefined) {
    if (shortcutPause === 0) {
      // The stored texts hash to the sealed hash only if they are the very texts that were sealed, so a match
      // is as good as the full check; on a miss the full check below decides. The metadata's own hash member is
      // taken out of its text (it is never the first member: the actor comes before it).
      const hash = event.metadata.hash;
      const metadataText = texts.metadataText.replace(`,"hash":${JSON.stringify(hash)}`, '');
      const text = eventText(event, texts.dataText, metadataText);
      if (sha256Hex(event.metadata.prevHash + text) === hash) return true;
      shortcutPause = 255;
    } else shortcutPause--;
  }
  return hashMatches(event);
};
