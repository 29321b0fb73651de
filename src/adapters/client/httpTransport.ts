import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { JobError, type ValidationError } from '../../domain/errors.js';
import { jobErrorOfAnswer } from './remoteError.js';
import { streamUpload } from './streamUpload.js';

/** How the client retries a request whose answer was lost (see {@link createJobLedgerClient}). */
export interface RetryOptions {
  /** Tries in all, the first included (default 4; 1 turns retries off). */
  readonly attempts?: number;
  /** The first backoff in ms (default 100); each next one doubles, with full jitter. */
  readonly baseMs?: number;
  /** The longest backoff in ms (default 2000). */
  readonly maxMs?: number;
}

/** One request of a client call. @internal */
export interface RemoteRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path with its values filled in (`/jobs/j-1`), before the query. */
  readonly path: string;
  /** The route as the errors name it (`GET /jobs/{id}`). */
  readonly route: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** A JSON body (encoded here) or a stream of bytes (sent as is, never buffered). */
  readonly json?: unknown;
  readonly stream?: AsyncIterable<Uint8Array>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A command changes the ledger: it carries an Idempotency-Key, the same on every try. */
  readonly command: boolean;
  readonly idempotencyKey?: string;
  /** Added to the client's per-request timeout (long polls hold the request on purpose). */
  readonly holdMs?: number;
  readonly signal?: AbortSignal;
}

/** The HTTP side of the client: base URL, token, fetch, timeouts and retries. @internal */
export interface HttpTransport {
  /** The base URL without credentials, for messages. */
  readonly base: string;
  /** Sends the request; a 2xx answer comes back as the Response, anything else as a JobError. */
  send(request: RemoteRequest): Promise<E.Either<JobError, Response>>;
  /** Sends the request and decodes its JSON answer with `decode` (StoreError naming the route if it fails). */
  json<T>(
    request: RemoteRequest,
    decode: (body: unknown) => E.Either<ValidationError, T>,
  ): Promise<E.Either<JobError, T>>;
}

/** Options of the transport, as the client takes them. @internal */
export interface HttpTransportOptions {
  readonly url: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Aborted when the client is closed: requests in flight end, later ones answer at once. */
  readonly closed?: AbortSignal;
}

const retriableStatus = new Set([502, 503, 504]);

const codeOf = (error: unknown): string | undefined => {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};

const withoutCredentials = (url: string): string => {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString().replace(/\/$/, '');
};

const backoff = (attempt: number, retry: Required<RetryOptions>): number =>
  Math.random() * Math.min(retry.maxMs, retry.baseMs * 2 ** attempt);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

const readBody = async (response: Response): Promise<{ text: string; json: unknown }> => {
  const text = await response.text().catch(() => '');
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text, json: undefined };
  }
};

/**
 * The transport under {@link createJobLedgerClient}: platform `fetch`, a bearer token that never appears in a
 * message, a timeout per request, and retries with full-jitter backoff of any request whose answer was lost (no
 * connection, reset, timeout, 502/503/504). Commands are safe to retry: each carries one Idempotency-Key for all
 * its tries, and the server answers a repeat with the first answer, appending nothing.
 * @internal
 */
export const createHttpTransport = (options: HttpTransportOptions): HttpTransport => {
  let parsedBase: string;
  try {
    parsedBase = withoutCredentials(options.url);
  } catch {
    throw new TypeError(`createJobLedgerClient: url must be an absolute http(s) URL, got ${options.url}`);
  }
  if (!/^https?:/.test(parsedBase))
    throw new TypeError(`createJobLedgerClient: url must be http: or https:, got ${parsedBase}`);
  const base = parsedBase;
  const prefix = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retry: Required<RetryOptions> = {
    attempts: Math.max(1, options.retry?.attempts ?? 4),
    baseMs: options.retry?.baseMs ?? 100,
    maxMs: options.retry?.maxMs ?? 2000,
  };

  const isClosed = () => options.closed?.aborted === true;
  const target = (request: RemoteRequest): string => {
    const query = Object.entries(request.query ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    );
    return `${prefix}${request.path}${query.length === 0 ? '' : `?${new URLSearchParams(query).toString()}`}`;
  };
  const where = (request: RemoteRequest) => `${request.route} at ${base}`;

  const once = async (
    request: RemoteRequest,
    key: string | undefined,
  ): Promise<{ result: E.Either<JobError, Response>; retriable: boolean }> => {
    if (isClosed())
      return {
        result: E.left(JobError.store(`the client of ${base} is closed; create a new one`)),
        retriable: false,
      };
    // The timeout bounds the wait for the answer's head; a download's body may take as long as it takes.
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        abort.abort();
      },
      timeoutMs + (request.holdMs ?? 0),
    );
    const stop = () => abort.abort();
    request.signal?.addEventListener('abort', stop, { once: true });
    options.closed?.addEventListener('abort', stop, { once: true });
    const signal = abort.signal;
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'application/json',
      ...request.headers,
    };
    if (key !== undefined) headers['idempotency-key'] = key;
    let body: RequestInit['body'];
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.stream !== undefined) {
      headers['content-type'] ??= 'application/octet-stream';
      body = request.stream as unknown as RequestInit['body'];
    }
    let response: Response;
    try {
      if (request.signal?.aborted === true) abort.abort();
      response =
        request.stream !== undefined && options.fetch === undefined
          ? await streamUpload(target(request), {
              method: request.method,
              headers,
              body: request.stream,
              signal,
            })
          : await doFetch(target(request), {
              method: request.method,
              headers,
              signal,
              ...(body !== undefined && { body }),
              ...(request.stream !== undefined && { duplex: 'half' }),
            } as RequestInit);
    } catch (cause) {
      if (request.signal?.aborted === true)
        return {
          result: E.left(JobError.timeout(0, `${where(request)} (aborted by the caller)`)),
          retriable: false,
        };
      const code = codeOf(cause);
      if (isClosed())
        return {
          result: E.left(JobError.store(`the client of ${base} was closed during ${request.route}`)),
          retriable: false,
        };
      if (timedOut)
        return {
          result: E.left(
            JobError.store(`${where(request)} gave no answer within ${timeoutMs} ms; retry later`),
          ),
          retriable: true,
        };
      return {
        result: E.left(
          JobError.store(
            `cannot reach ${where(request)}${code === undefined ? '' : ` (${code})`}: is jobledger serve running there?`,
          ),
        ),
        retriable: true,
      };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', stop);
      options.closed?.removeEventListener('abort', stop);
    }
    if (response.ok) return { result: E.right(response), retriable: false };
    const { text, json } = await readBody(response);
    const known = jobErrorOfAnswer(response.status, json, where(request));
    if (known !== undefined)
      return {
        result: E.left(known),
        retriable: response.status === 503,
      };
    if (response.status === 431)
      return {
        result: E.left(
          JobError.validation([
            {
              path: 'input',
              message: `too large to send in the request's headers (${request.route} answered 431); send less`,
            },
          ]),
        ),
        retriable: false,
      };
    const type = response.headers.get('content-type') ?? 'no content type';
    return {
      result: E.left(
        JobError.store(
          retriableStatus.has(response.status)
            ? `${where(request)} answered ${response.status} ${response.statusText}; retry later`
            : `${base} does not answer as a jobledger server: ${request.route} got ${response.status} (${type}${
                text.length > 0 ? `, ${JSON.stringify(text.slice(0, 60))}` : ''
              }); check the url`,
        ),
      ),
      retriable: retriableStatus.has(response.status),
    };
  };

  const send = async (request: RemoteRequest): Promise<E.Either<JobError, Response>> => {
    const key = request.command ? (request.idempotencyKey ?? randomUUID()) : undefined;
    // A stream body is consumed by the first try: it cannot be sent again.
    const tries = request.stream === undefined ? retry.attempts : 1;
    for (let attempt = 0; ; attempt++) {
      const { result, retriable } = await once(request, key);
      if (E.isRight(result) || !retriable || attempt + 1 >= tries || request.signal?.aborted === true)
        return result;
      await sleep(backoff(attempt, retry), request.signal);
    }
  };

  return {
    base,
    send,
    json: async (request, decode) => {
      const sent = await send(request);
      if (E.isLeft(sent)) return sent;
      const { text, json } = await readBody(sent.right);
      if (json === undefined)
        return E.left(
          JobError.store(
            `${base} does not answer as a jobledger server: ${request.route} got ${sent.right.status} ${JSON.stringify(text.slice(0, 60))}; check the url`,
          ),
        );
      return E.mapLeft((invalid: ValidationError): JobError =>
        JobError.store(`the answer of ${where(request)} does not decode: ${invalid.message}`),
      )(decode(json));
    },
  };
};
