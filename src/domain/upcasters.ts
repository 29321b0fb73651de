import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { decodeWith } from './codecs/decode.js';
import { currentSchemaVersion, eventDataCodecs, isJobEventType, type JobEvent } from './codecs/events.js';
import { JobError, type ValidationError } from './errors.js';
import type { StoredEvent } from './storedEvent.js';

/** Turns the `data` of `type` at `fromVersion` into the data of `fromVersion + 1`. Must be pure. */
export type Upcaster = (data: unknown) => unknown;

/**
 * Upcasters by event type and schema version, so that an audit log written years ago still replays.
 * Register one per version step; reads chain them up to the current version.
 *
 * @example
 * const upcasters = createUpcasterRegistry();
 * // v1 of JobCommentAdded called the text `body`; v2 calls it `content`.
 * upcasters.register('JobCommentAdded', 1, (d) => {
 *   const { body, ...rest } = d as { body: string };
 *   return { ...rest, content: body };
 * });
 */
export interface UpcasterRegistry {
  register(type: string, fromVersion: number, upcast: Upcaster): UpcasterRegistry;
  /** Brings `data` of `type` at `schemaVersion` to `targetVersion`, or says which step is missing. */
  upcast(
    type: string,
    schemaVersion: number,
    data: unknown,
    targetVersion: number,
  ): E.Either<string, unknown>;
}

export const createUpcasterRegistry = (): UpcasterRegistry => {
  const steps = new Map<string, Upcaster>();
  const registry: UpcasterRegistry = {
    register(type, fromVersion, upcast) {
      steps.set(`${type}@${fromVersion}`, upcast);
      return registry;
    },
    upcast(type, schemaVersion, data, targetVersion) {
      let current = data;
      for (let v = schemaVersion; v < targetVersion; v++) {
        const step = steps.get(`${type}@${v}`);
        if (step === undefined) return E.left(`no upcaster registered for ${type} from schema version ${v}`);
        current = step(current);
      }
      return E.right(current);
    },
  };
  return registry;
};

/** The upcasters jobledger itself ships (none yet: every event type is at schema version 1). */
export const defaultUpcasters: UpcasterRegistry = createUpcasterRegistry();

const decoders = Object.fromEntries(
  Object.entries(eventDataCodecs).map(([type, codec]) => [type, decodeWith(codec as t.Mixed, 'data')]),
) as Record<string, (u: unknown) => E.Either<ValidationError, unknown>>;

const codecs = eventDataCodecs as Record<string, t.Mixed>;

const unknownType = (type: string): ValidationError =>
  JobError.validation([{ path: 'type', message: `unknown event type ${type}` }]);

const newerVersion = (type: string, schemaVersion: number, target: number): ValidationError =>
  JobError.validation([
    {
      path: 'schemaVersion',
      message: `${type} v${schemaVersion} is newer than this jobledger understands (v${target}); upgrade jobledger`,
    },
  ]);

/**
 * Decodes a stored event into a domain {@link JobEvent}, upcasting older schema versions first.
 * Unknown types, newer schema versions and bad data are a {@link ValidationError}.
 *
 * The hot path (folds, rebuilds, verify): an event at the current schema version of its type, which is what the
 * ledger itself seals, is only checked with its codec's type guard (`codec.is`: the very same rules, without
 * the `Either`, the error context and the copies of a full decode). Its data is then used as it is, because a
 * full decode of data that passes the guard gives back that same object. Nothing is taken on trust: data that
 * fails the guard (a corrupted or hand-edited row) goes through the full decode, which answers the same
 * readable {@link ValidationError} as always, so `verify` still reports it and a command still fails cleanly.
 * Older schema versions are upcast first and always fully decoded.
 *
 * @example
 * const comment = { commentId: 'c-1', content: 'hi' };
 * const decoded = decodeJobEvent({ type: 'JobCommentAdded', schemaVersion: 1, data: comment });
 * // E.right({ type: 'JobCommentAdded', data: { commentId: 'c-1', content: 'hi' } })
 */
export const decodeJobEvent = (
  event: Pick<StoredEvent, 'type' | 'schemaVersion' | 'data'>,
  upcasters: UpcasterRegistry = defaultUpcasters,
): E.Either<ValidationError, JobEvent> => {
  const { type, schemaVersion, data } = event;
  if (isJobEventType(type) && schemaVersion === currentSchemaVersion[type] && codecs[type]!.is(data))
    return E.right({ type, data } as JobEvent);
  return decodeJobEventFully(event, upcasters);
};

/**
 * {@link decodeJobEvent} without the type-guard shortcut: upcast, then the full io-ts decode, for every event.
 * The reference the shortcut is tested against, and its path for whatever the guard refuses.
 * @internal
 */
export const decodeJobEventFully = (
  event: Pick<StoredEvent, 'type' | 'schemaVersion' | 'data'>,
  upcasters: UpcasterRegistry = defaultUpcasters,
): E.Either<ValidationError, JobEvent> => {
  const { type, schemaVersion } = event;
  if (!isJobEventType(type)) return E.left(unknownType(type));
  const target = currentSchemaVersion[type];
  if (schemaVersion > target) return E.left(newerVersion(type, schemaVersion, target));
  const upcast = upcasters.upcast(type, schemaVersion, event.data, target);
  if (E.isLeft(upcast)) return E.left(JobError.validation([{ path: 'schemaVersion', message: upcast.left }]));
  const decoded = decoders[type]!(upcast.right);
  return E.isLeft(decoded) ? decoded : E.right({ type, data: decoded.right } as JobEvent);
};
