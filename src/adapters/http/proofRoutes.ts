import { errorAnswers } from './routeSchemas.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import { principalOf } from './bearerAuth.js';
import { answer, replyWithError } from './jobRoutes.js';

const security = [{ bearer: [] }];
const digestSchema = {
  type: 'object',
  required: ['treeSize', 'rootHash', 'timestamp', 'signature', 'keyId'],
  properties: {
    treeSize: { type: 'integer', minimum: 0 },
    rootHash: { type: 'string', description: 'RFC 9162 Merkle root of the first treeSize events, hex' },
    timestamp: { type: 'string', format: 'date-time' },
    signature: { type: 'string', description: 'Ed25519, base64' },
    keyId: { type: 'string' },
  },
};

/**
 * The audit proof routes: `GET /digest` (a signed digest of the whole log; needs the server's signing key) and
 * `GET /jobs/{id}/proof` (the job's events with inclusion proofs against a new digest), for any principal that
 * may read the job. The documents are the proof files `jobledger check-proof` and `checkJobProof` read, as they
 * are (camelCase): they are signed and hashed, so the wire does not rename them.
 */
export const proofRoutes = (ledger: JobLedger) => async (app: FastifyInstance) => {
  app.get(
    '/digest',
    {
      schema: {
        summary: 'a signed digest (Merkle tree head) of the whole log',
        tags: ['proofs'],
        security,
        response: { 200: digestSchema, ...errorAnswers },
      },
    },
    async (_request, reply) => answer(reply, ledger.digest(), (d) => d),
  );
  app.get(
    '/jobs/:id/proof',
    {
      schema: {
        summary: "the job's events with their inclusion proofs against a new signed digest",
        tags: ['proofs'],
        security,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        response: {
          200: {
            type: 'object',
            required: ['format', 'jobId', 'digest', 'events'],
            properties: {
              format: { type: 'string' },
              jobId: { type: 'string' },
              digest: digestSchema,
              events: { type: 'array' },
            },
          },
          ...errorAnswers,
        },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      // Access first: a principal who may not read the job learns nothing of it (NotFound).
      const visible = await ledger.as(principalOf(request)).getJob(request.params.id)();
      if (E.isLeft(visible)) return replyWithError(reply, visible.left);
      return answer(reply, ledger.proveJob(request.params.id), (p) => p);
    },
  );
};
