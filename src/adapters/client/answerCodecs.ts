import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { DateFromISOString, decodeWith } from '../../domain/codecs/decode.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import { StatusName } from '../../domain/codecs/vocabulary.js';
import { JobFileCodec } from '../../domain/codecs/wire.js';
import { camelCaseKeys } from '../http/camelCaseKeys.js';
import { JobError, type ValidationError } from '../../domain/errors.js';
import type { FileRevision } from '../../domain/fileRevisions.js';
import type { JobStatusName } from '../../domain/JobStatusName.js';
import type { Principal } from '../../domain/principal.js';
import type { EventMetadata, StoredEvent } from '../../domain/storedEvent.js';

/** Decoders of the answers that have no DTO of their own (the DTOs decode with `Job.fromDict`, ...). */

const StoredEventWire = t.type({
  event_id: t.string,
  stream_id: t.string,
  version: t.number,
  position: t.string,
  type: t.string,
  schema_version: t.number,
  data: t.unknown,
  metadata: t.intersection([
    t.type({ recorded_at: t.string, actor: t.type({ kind: t.string, id: t.string }), hash: t.string }),
    t.partial({ prev_hash: t.string }),
  ]),
});

/** A `GET /jobs/{id}/history` item (the server's `storedEventWire`) as the {@link StoredEvent} it was. */
export const decodeStoredEvents = (body: unknown): E.Either<ValidationError, StoredEvent[]> =>
  E.map((events: t.TypeOf<typeof StoredEventWire>[]) =>
    events.map((e): StoredEvent => ({
      eventId: e.event_id,
      streamId: e.stream_id,
      version: e.version,
      position: e.position,
      type: e.type,
      schemaVersion: e.schema_version,
      data: e.data,
      metadata: camelCaseKeys(e.metadata) as EventMetadata,
    })),
  )(decodeWith(t.array(StoredEventWire))(body));

const FileRevisionWire = t.type({
  revision: t.number,
  file: JobFileCodec,
  created: DateFromISOString,
  created_by_id: t.string,
  stored: t.boolean,
});

/** A `GET /jobs/{id}/file/revisions` answer. */
export const decodeFileRevisions = (body: unknown): E.Either<ValidationError, FileRevision[]> =>
  E.map((list: t.TypeOf<typeof FileRevisionWire>[]) =>
    list.map((r): FileRevision => ({
      revision: r.revision,
      file: r.file,
      created: r.created,
      createdById: r.created_by_id,
      stored: r.stored,
    })),
  )(decodeWith(t.array(FileRevisionWire))(body));

/** A heartbeat answer: `{ lease_expires_at }`. */
export const decodeLease = (body: unknown): E.Either<ValidationError, { leaseExpiresAt: Date }> =>
  E.map((b: { lease_expires_at: Date }) => ({ leaseExpiresAt: b.lease_expires_at }))(
    decodeWith(t.type({ lease_expires_at: DateFromISOString }))(body),
  );

/** A long-poll answer: `{ status }`. */
export const decodePollStatus = (body: unknown): E.Either<ValidationError, JobStatusName> =>
  E.map((b: { status: JobStatusName }) => b.status)(decodeWith(t.type({ status: StatusName }))(body));

/** A `GET /me` answer: the principal the token stands for. */
export const decodePrincipal = (body: unknown): E.Either<ValidationError, Principal> =>
  decodeWith(inputCodecs.principal)(camelCaseKeys(body)) as E.Either<ValidationError, Principal>;

/** A decoder of a list answer from the decoder of one item; a failing item's paths start with its index. */
export const listOf =
  <A>(decode: (body: unknown) => E.Either<ValidationError, A>) =>
  (body: unknown): E.Either<ValidationError, A[]> => {
    if (!Array.isArray(body))
      return E.left(JobError.validation([{ path: '(answer)', message: 'expected a list' }]));
    const out: A[] = [];
    for (const [index, item] of body.entries()) {
      const decoded = decode(item);
      if (E.isLeft(decoded))
        return E.left(
          JobError.validation(
            decoded.left.issues.map((i) => ({ path: `${index}.${i.path}`, message: i.message })),
          ),
        );
      out.push(decoded.right);
    }
    return E.right(out);
  };
