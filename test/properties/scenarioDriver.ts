import * as E from 'fp-ts/lib/Either.js';
import type { JobCommand } from '../../src/domain/decide.js';
import type { JobError } from '../../src/domain/errors.js';
import type { Principal } from '../../src/domain/principal.js';
import type { ScenarioStep } from '../../src/testing/arbitraries.js';
import type { testLedger } from '../app/support.js';

type T = ReturnType<typeof testLedger>;

/** Sends one scenario command through the public ledger API; answers whether it was accepted. */
export const sendThroughLedger = async (
  t: T,
  jobId: string,
  principal: Principal,
  command: JobCommand,
): Promise<E.Either<JobError, unknown>> => {
  const s = t.ledger.as(principal);
  switch (command.type) {
    case 'CreateJob': {
      const { type: _t, jobId: id, tenantId: _tenant, ...input } = command;
      return s.createJob({ ...input, id })();
    }
    case 'SubmitJob':
      return s.submitJob(jobId)();
    case 'ChangeStatus':
      return s.updateStatus(jobId, { status: command.to })();
    case 'CancelJob':
      return s.cancelJob(jobId)();
    case 'AssignAgent':
      return s.assignAgent(jobId, { agentId: command.agentId })();
    case 'ClaimJob': {
      const r = await s.getJobForAgent()();
      // A claim that finds nothing is accepted by the API but changes nothing.
      return E.isRight(r) && 'id' in r.right ? r : E.left({ _tag: 'Conflict', message: 'no claim' });
    }
    case 'Heartbeat':
      return s.heartbeat(jobId)();
    case 'ExpireLease': {
      if (principal.kind !== 'system') return E.left({ _tag: 'Forbidden', message: 'system only' });
      const r = await t.ledger.expireLeases()();
      return E.isRight(r) && r.right.length > 0
        ? r
        : E.left({ _tag: 'Conflict', message: 'nothing expired' });
    }
    case 'ArchiveJob':
      return s.archiveJob(jobId, command.reason === undefined ? {} : { reason: command.reason })();
    case 'RestoreJob':
      return s.restoreJob(jobId)();
    case 'UpdateProperties':
      return s.updateProperties(jobId, command.properties)();
    case 'AddComment':
      return s.addComment(jobId, { content: command.content })();
    case 'GrantAccess': {
      // Only the input's own fields: the session refuses unknown ones (such as the command's `type`).
      const { type: _t, ...input } = command;
      return s.createAccess(jobId, input)();
    }
    case 'UpdateAccess':
      return s.updateAccess(jobId, command.accessId, { relation: command.relation })();
    case 'RevokeAccess':
      return s.removeAccess(jobId, command.accessId)();
    case 'UploadResult':
      // Scenarios carry no file content; uploads are tested in test/app/files*.test.ts.
      return E.left({ _tag: 'Conflict', message: 'scenarios do not upload files' });
  }
};

/** Runs a scenario through the ledger, advancing its clock before each step. */
export const runThroughLedger = async (
  t: T,
  jobId: string,
  scenario: { creator: Principal; create: JobCommand; steps: readonly ScenarioStep[] },
  onStep?: (step: ScenarioStep, accepted: boolean) => Promise<void> | void,
) => {
  await sendThroughLedger(t, jobId, scenario.creator, scenario.create);
  for (const step of scenario.steps) {
    t.advance(step.advanceMs);
    const r = await sendThroughLedger(t, jobId, step.principal, step.command);
    await onStep?.(step, E.isRight(r));
  }
};
