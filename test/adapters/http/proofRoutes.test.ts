import { generateKeyPairSync } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { checkJobProof } from '../../../src/domain/proofs/jobProof.js';
import { call, principals } from './httpTestServer.js';

const keys = generateKeyPairSync('ed25519');
const ledger = createJobLedger({ store: openStore('memory:'), signingKey: keys.privateKey });
const server = createHttpServer({
  ledger,
  tokens: new Map(Object.entries(principals) as [string, TokenPrincipal][]),
});
const url = await server.listen({ port: 0, host: '127.0.0.1' });
afterAll(async () => {
  await server.close();
  await ledger.close()();
});

describe('GET /digest and GET /jobs/{id}/proof', () => {
  it('answers a signed digest and a proof that checks offline; another tenant gets 404', async () => {
    const created = await call(url, 'POST', '/jobs', 'alice-token', {
      function: { id: 'fn-1' },
      file: { name: 'params.json' },
    });
    expect(created.status).toBe(201);
    const digest = await call(url, 'GET', '/digest', 'alice-token');
    expect(digest.status).toBe(200);
    expect(digest.body).toMatchObject({ treeSize: 2, rootHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const proof = await call(url, 'GET', `/jobs/${created.body.id}/proof`, 'alice-token');
    expect(proof.status).toBe(200);
    const checked = checkJobProof(proof.body, keys.publicKey);
    expect(checked).toEqual(E.right(expect.objectContaining({ jobId: created.body.id, status: 'Pending' })));

    expect((await call(url, 'GET', `/jobs/${created.body.id}/proof`, 'bob-t2-token')).status).toBe(404);
    expect((await call(url, 'GET', '/digest', undefined)).status).toBe(401);
  });
});
