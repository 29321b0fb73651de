import type { FastifyReply } from 'fastify';

/**
 * An AbortSignal for a held request: aborted when the client goes away or the server shuts down. Call `release`
 * when the request is answered. It watches the response, not the request: since Node 16 a request's `close`
 * fires once its body has been read, which for a request with a body is at once.
 *
 * @example
 * const { signal, release } = requestAbort(reply, shutdown);
 * try { return await answer(reply, session.getJobForAgent({ waitMs, signal }), encode); } finally { release(); }
 */
export const requestAbort = (
  reply: FastifyReply,
  shutdown: AbortSignal,
): { signal: AbortSignal; release: () => void } => {
  const abort = new AbortController();
  const stop = () => abort.abort();
  // Before the answer is written, the response closes only when the connection does.
  reply.raw.on('close', stop);
  shutdown.addEventListener('abort', stop);
  // A request that arrived as the server began to close: the shutdown has fired already.
  if (shutdown.aborted) stop();
  return {
    signal: abort.signal,
    release: () => {
      reply.raw.off('close', stop);
      shutdown.removeEventListener('abort', stop);
    },
  };
};
