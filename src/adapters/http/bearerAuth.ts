import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Principal } from '../../domain/principal.js';
import { unauthorized } from './httpError.js';
import type { TokenTable } from './tokens.js';

const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal {@link bearerAuth} found for this request. Only called from routes behind the hook. */
export const principalOf = (request: FastifyRequest): Principal => {
  const principal = principals.get(request);
  // The hook answers 401 before any route runs, so a route without a principal is a wiring bug.
  if (principal === undefined) throw new Error(`no principal for ${request.method} ${request.url}`);
  return principal;
};

const eventStreamRoutes = new Set(['/jobs/:id/events', '/overview/events']);

const tokenOf = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  // EventSource cannot send headers: the event streams alone also take ?access_token=.
  const query = request.query as Record<string, unknown> | undefined;
  if (eventStreamRoutes.has(request.routeOptions.url ?? '') && typeof query?.access_token === 'string')
    return query.access_token;
  return undefined;
};

/**
 * An `onRequest` hook: a request with a known bearer token goes on as that token's principal; any other answers
 * 401 before its body is read.
 */
export const bearerAuth =
  (tokens: TokenTable) =>
  (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const token = tokenOf(request);
    const principal = token === undefined ? undefined : tokens.get(token);
    // A callback hook, not an async one: no promise per request. Answering ends the request (no done()).
    if (principal === undefined) {
      void reply.code(unauthorized.statusCode).send(unauthorized.body);
      return;
    }
    principals.set(request, principal);
    done();
  };
