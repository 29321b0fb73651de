import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Sends a streamed request body with `node:http`, answering a `Response` like fetch's. Undici's fetch reads an
 * upload's body ahead of the socket (a 256 MiB upload peaked at ~330 MB RSS, measured), while a piped
 * `http.request` keeps to the socket's pace (~80 MB). Used for uploads when the caller gave no `fetch` of their own.
 * @internal
 */
export const streamUpload = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body: AsyncIterable<Uint8Array>;
    signal: AbortSignal;
  },
): Promise<Response> =>
  new Promise<Response>((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { method: init.method, headers: init.headers, signal: init.signal });
    req.once('response', (res: IncomingMessage) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (Array.isArray(value)) for (const v of value) headers.append(name, v);
        else if (value !== undefined) headers.set(name, value);
      }
      const status = res.statusCode ?? 500;
      const body =
        status === 204 || status === 304 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers }));
    });
    req.once('error', reject);
    // A server may answer (and close) before it read the whole body, as when it refuses the request: the
    // answer is what counts then, so a failed pipe only rejects when no answer came.
    pipeline(Readable.from(init.body), req).catch(reject);
  });
