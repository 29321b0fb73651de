import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../../domain/principal.js';
import { principalOf } from '../bearerAuth.js';
import type { IdempotencyStore } from './IdempotencyStore.js';

const commandMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const keyPattern = /^[\x21-\x7e]{1,200}$/;

// The principal a key belongs to: one principal's key never answers another's request.
const scopeOf = (p: Principal): string =>
  p.kind === 'system' ? `system:${p.id}` : `${p.kind}:${p.tenantId}:${p.id}`;

interface Pending {
  scope: string;
  key: string;
  request: string;
  done: () => void;
}
const pending = new WeakMap<FastifyRequest, Pending>();

/**
 * Hooks that make commands safe to retry (DESIGN 5a): a command with an `Idempotency-Key` header is answered once
 * and that answer is replayed for every repeat of the key by the same principal (`idempotency-replayed: true`),
 * appending nothing. Answers that say the server failed (5xx) are not remembered, so a retry runs again. A key
 * reused for another request answers 422. Register inside the authenticated scope, before the routes: the hooks
 * are added to each command route (POST, PUT, PATCH, DELETE) as it is declared.
 */
export const idempotentCommands = (app: FastifyInstance, store: IdempotencyStore, clock: () => number) => {
  // A repeat that arrives while the first is still running (its client timed out and retried) waits for the
  // first's answer instead of running beside it. Within this server; across servers the store decides.
  const running = new Map<string, Promise<void>>();
  const preHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers['idempotency-key'];
    if (!commandMethods.has(req.method) || typeof header !== 'string') return;
    if (!keyPattern.test(header))
      return reply.code(422).send({
        error: 'ValidationError',
        message: 'invalid input: Idempotency-Key: expected 1 to 200 visible ASCII characters',
        issues: [{ path: 'Idempotency-Key', message: 'expected 1 to 200 visible ASCII characters' }],
      });
    const scope = scopeOf(principalOf(req));
    const request = `${req.method} ${req.url}`;
    const id = JSON.stringify([scope, header]);
    for (let first = running.get(id); first !== undefined; first = running.get(id)) await first;
    const seen = await store.lookup(scope, header, clock());
    if (seen === undefined) {
      let done = () => {};
      running.set(
        id,
        new Promise<void>((resolve) => {
          done = () => {
            running.delete(id);
            resolve();
          };
        }),
      );
      pending.set(req, { scope, key: header, request, done });
      return;
    }
    if (seen.request !== request)
      return reply.code(422).send({
        error: 'ValidationError',
        message: `invalid input: Idempotency-Key: was used for ${seen.request}; send a new key for a new request`,
        issues: [{ path: 'Idempotency-Key', message: `was used for ${seen.request}` }],
      });
    return reply
      .code(seen.statusCode)
      .header('content-type', seen.contentType)
      .header('idempotency-replayed', 'true')
      .send(seen.body);
  };

  const onSend = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const first = pending.get(req);
    if (first === undefined) return payload;
    pending.delete(req);
    try {
      if (reply.statusCode < 500 && typeof payload === 'string')
        await store.remember(first.scope, first.key, {
          request: first.request,
          statusCode: reply.statusCode,
          contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
          body: payload,
          at: clock(),
        });
    } finally {
      first.done();
    }
    return payload;
  };
  // A request that ends without an answer sent (the connection dropped) lets its waiting repeats go on.
  const release = async (req: FastifyRequest) => {
    const first = pending.get(req);
    if (first === undefined) return;
    pending.delete(req);
    first.done();
  };
  // On the command routes only: reads (GET, HEAD) pay for none of these hooks.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => commandMethods.has(m))) return;
    const target = route as unknown as Record<string, unknown>;
    for (const [name, hook] of [
      ['preHandler', preHandler],
      ['onSend', onSend],
      ['onResponse', release],
      ['onRequestAbort', release],
    ] as const) {
      const own = target[name];
      target[name] = [hook, ...(own === undefined ? [] : Array.isArray(own) ? own : [own])];
    }
  });
};
