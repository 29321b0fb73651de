import type { FastifyInstance } from 'fastify';
import type { JobLedger } from '../../app/createJobLedger.js';
import { ResponseGetJobForAgent } from '../../domain/dto.js';
import { principalOf } from './bearerAuth.js';
import { answer, inputOf } from './jobRoutes.js';

/** The agent routes: claim a job (`ResponseGetJobForAgent`: a Job or a NoJobResponse) and heartbeat a lease. */
export const agentRoutes = (ledger: JobLedger) => async (app: FastifyInstance) => {
  app.post('/agent/job', async (req, reply) =>
    answer(
      reply,
      ledger.as(principalOf(req)).getJobForAgent(inputOf(req) as never),
      ResponseGetJobForAgent.toDict,
    ),
  );
  app.post('/jobs/:id/heartbeat', async (req, reply) =>
    answer(reply, ledger.as(principalOf(req)).heartbeat((req.params as { id: string }).id), (lease) => ({
      lease_expires_at: lease.leaseExpiresAt.toISOString(),
    })),
  );
};
