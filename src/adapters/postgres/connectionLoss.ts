/**
 * SQLSTATEs that mean "this server cannot serve us now", not "this statement is wrong": the connection broke
 * (class 08), the server shut down or crashed under it (57P01, 57P02), it is starting up or in recovery (57P03),
 * or it is a standby that refuses writes (25006, after a failover made the old primary a standby).
 */
const lostStates = new Set(['57P01', '57P02', '57P03', '25006']);

/** Socket errors of a host that went away (or never answered). */
const lostSocketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What `pg` says (without a code) when the socket closed or never opened in time. */
const lostMessages = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'timeout expired',
];

/**
 * True when `error` means the connection to the server was lost (or could not be made), so that a write sent on
 * it may or may not have committed: the caller must find out before answering. False for errors the server
 * answered about the statement itself (a constraint, a syntax error, a statement timeout), which are final.
 */
export const isConnectionLoss = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || lostStates.has(code) || lostSocketCodes.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return false;
  }
  if (error instanceof NotWritableError) return true;
  return typeof message === 'string' && lostMessages.some((m) => message.startsWith(m));
};

/** A connection reached a host that cannot take writes (a standby, or a read-only primary). */
export class NotWritableError extends Error {
  override readonly name = 'NotWritableError';
  /** What the host is: `a standby (in recovery)` or `read-only`. */
  readonly state: string;
  constructor(host: string, state: string, target: string) {
    super(`${host} is ${state}, not the writable host target_session_attrs=${target} asks for`);
    this.state = state;
  }
}
