import type { Principal } from '../../domain/principal.js';
import { createJobHandle } from '../jobHandle.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import type { LedgerContext } from '../LedgerContext.js';
import { accessCalls } from './accessCalls.js';
import { fileCalls } from './fileCalls.js';
import { historyCalls } from './historyCalls.js';
import { jobCalls } from './jobCalls.js';
import { createSessionKit } from './sessionKit.js';
import { statusCalls } from './statusCalls.js';

/** A principal's view of the ledger: every call of {@link JobLedgerSession}, by concern. @internal */
export const createSession = (
  ctx: LedgerContext,
  principal: Principal,
  options: { correlationId?: string } = {},
): JobLedgerSession => {
  const kit = createSessionKit(ctx, principal, options);
  const session: JobLedgerSession = {
    principal,
    ...jobCalls(kit),
    ...statusCalls(kit),
    ...accessCalls(kit),
    ...fileCalls(kit),
    ...historyCalls(kit),
    job: (id) => createJobHandle(session, id),
  };
  return session;
};
