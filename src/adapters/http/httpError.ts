import type { JobError } from '../../domain/errors.js';

/** An HTTP answer for a failed call: the status code and the JSON body (never a stack or a cause). */
export interface HttpError {
  readonly statusCode: number;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * Maps a {@link JobError} to its HTTP answer: NotFound 404, Conflict and ConcurrencyConflict 409 (with from, to
 * and the allowed targets), Forbidden 403, ValidationError 422 (with the failing paths), Timeout 408, a store
 * failure 500 with no internals (missing or altered file content: 500 `FileIntegrity` with its kind).
 *
 * @example
 * httpErrorOf(JobError.notFound('job', 'j-1')); // { statusCode: 404, body: { error: 'NotFound', ... } }
 */
export const httpErrorOf = (error: JobError): HttpError => {
  switch (error._tag) {
    case 'NotFound':
      return {
        statusCode: 404,
        body: { error: error._tag, message: error.message, resource: error.resource, id: error.id },
      };
    case 'Conflict':
      return {
        statusCode: 409,
        body: {
          error: error._tag,
          message: error.message,
          ...(error.jobId !== undefined && { job_id: error.jobId }),
          ...(error.from !== undefined && { from: error.from }),
          ...(error.to !== undefined && { to: error.to }),
          ...(error.allowed !== undefined && { allowed: error.allowed }),
        },
      };
    case 'ConcurrencyConflict':
      return { statusCode: 409, body: { error: error._tag, message: error.message } };
    case 'Forbidden':
      return { statusCode: 403, body: { error: error._tag, message: error.message } };
    case 'ValidationError':
      return {
        statusCode: 422,
        body: { error: error._tag, message: error.message, issues: error.issues.map((i) => ({ ...i })) },
      };
    case 'Timeout':
      return {
        statusCode: 408,
        body: { error: error._tag, message: error.message, after_ms: error.afterMs },
      };
    case 'StoreError':
      // Stored file content that is missing or altered is said plainly: the caller asked for those bytes.
      return error.kind === undefined
        ? internalError
        : { statusCode: 500, body: { error: 'FileIntegrity', kind: error.kind, message: error.message } };
  }
};

/** The answer to anything unexpected: no message of the cause, no stack. */
export const internalError: HttpError = {
  statusCode: 500,
  body: {
    error: 'Internal',
    message: 'the service failed unexpectedly; the request may be retried, see the server log',
  },
};

/** The answer to a request without a known bearer token. */
export const unauthorized: HttpError = {
  statusCode: 401,
  body: {
    error: 'Unauthorized',
    message: 'send Authorization: Bearer <token> with a token from the tokens file',
  },
};
