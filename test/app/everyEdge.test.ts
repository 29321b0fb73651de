import { describe, expect, it } from 'vitest';
import type { JobStatusName } from '../../src/domain/JobStatusName.js';
import { jobMachineEdgePaths } from '../../src/testing/jobMachinePaths.js';
import { ok, smallJob, statuses, testLedger } from './support.js';

/**
 * Model-based: every edge of the machine, reached by the shortest path from xstate/graph, driven through the
 * ledger by the principal that may drive it (DESIGN section 2).
 */
describe('every edge of the machine through the ledger', () => {
  for (const path of jobMachineEdgePaths()) {
    it(`${path.edge[0]} -> ${path.edge[1]}`, async () => {
      const t = testLedger();
      const { alice, agent, ledger } = t;
      const job = await ok(alice.createJob({ ...smallJob, draft: true }));
      let from: JobStatusName = 'Created';
      let expiries = 0;
      for (const to of path.statuses) {
        if (to === 'Claimed') {
          expect(await ok(agent.getJobForAgent())).toMatchObject({ id: job.id });
        } else if (to === 'Pending' && from === 'Created') {
          await ok(alice.submitJob(job.id));
        } else if (to === 'Pending' && from === 'Unknown') {
          await ok(alice.updateStatus(job.id, { status: 'Pending', message: 'requeue' }));
        } else if (to === 'Canceled') {
          await ok(alice.cancelJob(job.id));
        } else if (to === 'Failed' && (from === 'Created' || from === 'Pending')) {
          await ok(alice.updateStatus(job.id, { status: 'Failed' }));
        } else if (to === 'Unknown' && expiries++ % 2 === 0) {
          // Lease expiry drives this edge the first time; the agent reports it otherwise.
          t.advance(61_000);
          expect(await ok(ledger.expireLeases())).toHaveLength(1);
        } else {
          await ok(agent.updateStatus(job.id, { status: to }));
        }
        from = to;
      }
      const final = await ok(alice.getJob(job.id));
      expect(statuses(final)).toEqual(['Created', ...path.statuses]);
      expect(await ok(ledger.verify())).toMatchObject({ ok: true });
    });
  }
});
