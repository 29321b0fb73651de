/**
 * The client's errors by their `type` (the client's ErrorType values), so that this module needs no client loaded.
 */
const typeOf = (error: unknown): string | undefined => {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
};

/**
 * True when an append that failed this way may still have been written: its deadline passed (the server may be
 * committing it), or the node lost or refused leadership, or the connection went. Sending the identical request
 * again is safe: same event ids at the same revision, which the server's idempotent-write check answers as a
 * success when it already has them.
 */
export const isUnknownAppendOutcome = (error: unknown): boolean =>
  ['deadline-exceeded', 'timeout', 'not-leader', 'unavailable', 'cancelled'].includes(typeOf(error) ?? '');

export const isAccessDenied = (error: unknown): boolean => typeOf(error) === 'access-denied';

/** The message of an AccessDenied on `$all` (readAll, the feeder's subscription, the log checks). */
export const allAccessDenied = (description: string): string =>
  `${description}: reading $all was refused (AccessDenied): on a secured cluster only $admins may read $all, and jobledger reads it for readAll and to feed its read model; connect as a user in $admins (kurrentdb://admin:…@host:2113), or grant the user read access to $all`;

/** The message of an append the server refused for its size, saying what to change. */
export const appendTooLarge = (
  description: string,
  streamId: string,
  events: number,
  bytes: number,
  maxAppendSize: number | undefined,
): string =>
  `${description}: appending ${events} events (about ${bytes} bytes) to ${streamId} exceeds the server's MaxAppendSize${maxAppendSize === undefined ? '' : ` of ${maxAppendSize} bytes`}: append fewer events at once (jobledger copy --batch-bytes), or raise MaxAppendSize in the KurrentDB configuration`;
