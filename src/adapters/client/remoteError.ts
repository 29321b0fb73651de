import { JobError } from '../../domain/errors.js';
import type { JobStatusName } from '../../domain/JobStatusName.js';
import { jobStatusNames } from '../../domain/JobStatusName.js';

const statusNames = new Set<string>(jobStatusNames);
const asStatus = (value: unknown): JobStatusName | undefined =>
  typeof value === 'string' && statusNames.has(value) ? (value as JobStatusName) : undefined;
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/**
 * The {@link JobError} a jobledger server meant by an error answer (see `httpErrorOf` on the server): the same
 * tag with the server's message, a ValidationError with its paths. Undefined when the body is not a jobledger
 * error at all (another server answered), so the caller can say that plainly.
 * @internal
 */
export const jobErrorOfAnswer = (status: number, body: unknown, where: string): JobError | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const message = text(b.message, `${where} answered ${status}`);
  switch (b.error) {
    case 'NotFound':
      // A 404 without a resource is the router's: the server lacks the route (an older jobledger).
      if (typeof b.resource !== 'string' || typeof b.id !== 'string')
        return JobError.store(`${where}: ${message}; is the server an older jobledger than this client?`);
      return { _tag: 'NotFound', resource: b.resource, id: b.id, message };
    case 'Conflict': {
      const from = asStatus(b.from);
      const to = asStatus(b.to);
      const allowed = Array.isArray(b.allowed) ? b.allowed.flatMap((s) => asStatus(s) ?? []) : undefined;
      return JobError.conflict(message, {
        ...(typeof b.job_id === 'string' && { jobId: b.job_id }),
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(allowed !== undefined && { allowed }),
      });
    }
    case 'ConcurrencyConflict':
      return {
        _tag: 'ConcurrencyConflict',
        message,
        streamId: text(b.stream_id, ''),
        attempts: typeof b.attempts === 'number' ? b.attempts : 0,
      };
    case 'Forbidden':
      return JobError.forbidden(message);
    case 'Unauthorized':
      return JobError.forbidden(
        `${where} refused the token (401): ${message}. Check the token given to createJobLedgerClient`,
      );
    case 'ValidationError': {
      const issues = Array.isArray(b.issues)
        ? b.issues.map((i: unknown) => {
            const issue = (i ?? {}) as Record<string, unknown>;
            return { path: text(issue.path, '(input)'), message: text(issue.message, 'invalid') };
          })
        : [{ path: '(input)', message }];
      return { _tag: 'ValidationError', message, issues };
    }
    case 'PayloadTooLarge':
      return { _tag: 'ValidationError', message, issues: [{ path: '(body)', message }] };
    case 'Timeout':
      return { _tag: 'Timeout', message, afterMs: typeof b.after_ms === 'number' ? b.after_ms : 0 };
    case 'FileIntegrity':
      return b.kind === 'file-altered' || b.kind === 'file-missing'
        ? JobError.integrity(b.kind, message)
        : JobError.store(`${where}: ${message}`);
    case 'Internal':
      return JobError.store(`${where}: the server failed (${status}): ${message}`);
    default:
      return undefined;
  }
};
