import type { FastifyRequest } from 'fastify';

/**
 * An AbortSignal for a held request: aborted when the client goes away or the server shuts down. Call `release`
 * when the request is answered.
 *
 * @example
 * const { signal, release } = requestAbort(req, shutdown);
 * try { return await answer(reply, session.getJobForAgent({ waitMs, signal }), encode); } finally { release(); }
 */
export const requestAbort = (
  req: FastifyRequest,
  shutdown: AbortSignal,
): { signal: AbortSignal; release: () => void } => {
  const abort = new AbortController();
  const stop = () => abort.abort();
  req.raw.on('close', stop);
  shutdown.addEventListener('abort', stop);
  return {
    signal: abort.signal,
    release: () => {
      req.raw.off('close', stop);
      shutdown.removeEventListener('abort', stop);
    },
  };
};
