import { createJobLedger, type JobLedger } from '../../../src/app/createJobLedger.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createHttpServer, type HttpServer } from '../../../src/adapters/http/createHttpServer.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';

/** The tokens every HTTP test uses: two users of t1 (one admin), one of t2, an agent of t1 in pool gpu. */
export const principals = {
  'alice-token': { kind: 'user', id: 'u-alice', tenantId: 't1' },
  'admin-token': { kind: 'user', id: 'u-admin', tenantId: 't1', roles: ['administrator'] },
  'bob-t2-token': { kind: 'user', id: 'u-bob', tenantId: 't2' },
  'agent-token': { kind: 'agent', id: 'agent-1', tenantId: 't1', poolIds: ['gpu'] },
} as const satisfies Record<string, TokenPrincipal>;

export type TokenName = keyof typeof principals;

/** A real listening server on a free loopback port over `store` (default a fresh memory store). */
export const startServer = async (
  storeUrl = 'memory:',
  bodyLimit?: number,
  ledgerOptions: Omit<Parameters<typeof createJobLedger>[0], 'store'> = {},
): Promise<{ url: string; ledger: JobLedger; server: HttpServer; stop: () => Promise<void> }> => {
  const ledger = createJobLedger({ ...ledgerOptions, store: openStore(storeUrl) });
  const server = createHttpServer({
    ledger,
    tokens: new Map(Object.entries(principals) as [string, TokenPrincipal][]),
    ...(bodyLimit !== undefined && { bodyLimit }),
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    ledger,
    server,
    stop: async () => {
      await server.close();
      await ledger.close()();
    },
  };
};

/** fetch with a token and a JSON body; answers the status and the parsed JSON (or the text). */
export const call = async (
  url: string,
  method: string,
  path: string,
  token: TokenName | undefined,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of many shapes
): Promise<{ status: number; body: any }> => {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
};

/** Every event the store holds, counted from the log (not the read model). */
export const countEvents = async (ledger: JobLedger): Promise<number> => {
  let n = 0;
  for await (const _ of ledger.store.readAll()) n++;
  return n;
};
