import type { FastifyInstance } from 'fastify';
import type { JobLedger } from '../../app/createJobLedger.js';
import { ResponseGetJobForAgent } from '../../domain/dto.js';
import { JobError } from '../../domain/errors.js';
import { principalOf } from './bearerAuth.js';
import { answer, inputOf, replyWithError } from './jobRoutes.js';
import { requestAbort } from './requestAbort.js';

/** The longest `POST /agent/job?wait_s=` holds a request, in seconds. */
export const maxClaimWaitSeconds = 60;

/**
 * The agent routes: claim a job (`ResponseGetJobForAgent`: a Job or a NoJobResponse), holding the request up to
 * `wait_s` seconds until one is claimable, and heartbeat a lease. A held claim ends with a NoJobResponse when the
 * client goes away or the server shuts down.
 */
export const agentRoutes =
  (ledger: JobLedger, shutdown: AbortSignal = new AbortController().signal) =>
  async (app: FastifyInstance) => {
    app.post('/agent/job', async (req, reply) => {
      const raw = (req.query as Record<string, unknown>).wait_s ?? '0';
      const seconds = typeof raw === 'string' && /^\d{1,3}(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
      if (!(seconds >= 0 && seconds <= maxClaimWaitSeconds)) {
        return replyWithError(
          reply,
          JobError.validation([
            {
              path: 'wait_s',
              message: `expected seconds from 0 to ${maxClaimWaitSeconds}, got ${String(raw)}`,
            },
          ]),
        );
      }
      const { signal, release } = requestAbort(reply, shutdown);
      try {
        return await answer(
          reply,
          ledger.as(principalOf(req)).getJobForAgent({
            ...(inputOf(req) as { functionIds?: string[] }),
            ...(seconds > 0 && { waitMs: Math.round(seconds * 1000), signal }),
          }),
          ResponseGetJobForAgent.toDict,
        );
      } finally {
        release();
      }
    });
    app.post('/jobs/:id/heartbeat', async (req, reply) =>
      answer(reply, ledger.as(principalOf(req)).heartbeat((req.params as { id: string }).id), (lease) => ({
        lease_expires_at: lease.leaseExpiresAt.toISOString(),
      })),
    );
  };
