import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import type { JobError, ValidationError } from '../../domain/errors.js';
import type { HttpTransport, RemoteRequest } from './httpTransport.js';

/** What every group of remote calls shares. @internal */
export interface RemoteKit {
  readonly transport: HttpTransport;
  /** `/jobs/<id>` for a valid job id, or the same ValidationError (path `id`) the in-process session gives. */
  jobPath(id: unknown): E.Either<ValidationError, string>;
  /** Runs `request` once `path` is valid and decodes the answer. */
  call<T>(
    path: E.Either<ValidationError, string>,
    request: (path: string) => RemoteRequest,
    decode: (body: unknown) => E.Either<ValidationError, T>,
  ): TE.TaskEither<JobError, T>;
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The library's camelCase input as the wire's snake_case body, deeply; Dates as ISO-8601 strings. The server
 * turns it back (`camelCaseKeys`) and its codecs judge it, so bad input gets the in-process session's answer.
 */
export const snakeCaseKeys = (value: unknown): unknown => {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeCaseKeys(v)]));
};

/** @internal */
export const createRemoteKit = (transport: HttpTransport): RemoteKit => {
  const decodeId = decodeWith(inputCodecs.jobId, 'id');
  return {
    transport,
    jobPath: (id) => E.map((valid: string) => `/jobs/${encodeURIComponent(valid)}`)(decodeId(id)),
    call: (path, request, decode) => async () =>
      E.isLeft(path) ? path : transport.json(request(path.right), decode),
  };
};
