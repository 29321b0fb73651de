import { context, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import * as E from 'fp-ts/lib/Either.js';
import type { JobError } from '../../domain/errors.js';
import type { Job } from '../../domain/model.js';
import { createJobHandle } from '../jobHandle.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import { withCommandRecord, type CommandRecord } from './commandRecord.js';
import type { TelemetryInstruments } from './telemetryInstruments.js';
import { overriding } from './tracedEventStore.js';

/** The session calls that change a job: each is one `jobledger.command` span and one count. */
export const commandCalls = [
  'createJob',
  'submitJob',
  'updateStatus',
  'cancelJob',
  'assignAgent',
  'getJobForAgent',
  'heartbeat',
  'archiveJob',
  'restoreJob',
  'updateProperties',
  'updateDescription',
  'updateDisplayName',
  'updateExternalIdentifier',
  'updateVersionName',
  'addComment',
  'createAccess',
  'createAccessByEmail',
  'updateAccess',
  'removeAccess',
  'uploadResult',
] as const satisfies readonly (keyof JobLedgerSession)[];

type AnyCall = (...args: unknown[]) => () => Promise<E.Either<JobError, unknown>>;

const isJob = (value: unknown): value is Job =>
  typeof value === 'object' && value !== null && 'statusHistory' in value && 'id' in value;

/** What the ledger's telemetry keeps across sessions: the pools it has seen, for the per-pool gauge. @internal */
export interface SessionTelemetryState {
  readonly pools: Set<string>;
}

/**
 * A session whose commands run inside a `jobledger.command` span (a child of the caller's active span) with the
 * job id, command, status change (from -> to), store kind, outcome and retries, and count in
 * `jobledger.commands`; claims count in `jobledger.claims` with their latency from creation, and pollJob calls
 * waiting in `jobledger.poll.waiters`. Every other member passes through.
 * @internal
 */
export const tracedSession = (
  session: JobLedgerSession,
  instruments: TelemetryInstruments,
  storeKind: string,
  state: SessionTelemetryState,
): JobLedgerSession => {
  const { tracer } = instruments;
  const principal = session.principal;
  if (principal.kind === 'agent') for (const pool of principal.poolIds ?? []) state.pools.add(pool);

  const traced =
    (name: (typeof commandCalls)[number]): AnyCall =>
    (...args) =>
    () => {
      const call = (session[name] as unknown as AnyCall)(...args);
      const jobId = typeof args[0] === 'string' ? args[0] : undefined;
      const attributes: Attributes = {
        'jobledger.command.type': name,
        'jobledger.store.kind': storeKind,
        'jobledger.principal.kind': principal.kind,
        ...(jobId !== undefined && { 'jobledger.job.id': jobId }),
      };
      const span = tracer.startSpan('jobledger.command', { attributes });
      const record: CommandRecord = { retries: 0 };
      // One context for the call: the span as the active one, and the record the store decorator fills.
      const active = withCommandRecord(trace.setSpan(context.active(), span), record);
      return (async () => {
        try {
          const result = await context.with(active, call);
          const value = E.isRight(result) ? result.right : undefined;
          // A batch claim (`max`) answers an array: each job counts as a claim, none is 'no-job'.
          const batch = name === 'getJobForAgent' && Array.isArray(value) ? (value as Job[]) : undefined;
          const outcome = E.isLeft(result)
            ? result.left._tag
            : name === 'getJobForAgent' && !isJob(value) && (batch === undefined || batch.length === 0)
              ? 'no-job'
              : 'ok';
          if (batch !== undefined) {
            span.setAttribute('jobledger.claims', batch.length);
            batch.forEach(claimed);
          }
          if (jobId === undefined && isJob(value)) span.setAttribute('jobledger.job.id', value.id);
          span.setAttributes({
            'jobledger.outcome': outcome,
            'jobledger.command.retries': record.retries,
            ...(record.from !== undefined && { 'jobledger.status.from': record.from }),
            ...(record.to !== undefined && { 'jobledger.status.to': record.to }),
          });
          if (E.isLeft(result)) span.setStatus({ code: SpanStatusCode.ERROR, message: result.left.message });
          instruments.commands.add(1, { command: name, outcome });
          if (name === 'createJob' && isJob(value) && value.assignedAgentPoolId !== null)
            state.pools.add(value.assignedAgentPoolId);
          if (name === 'getJobForAgent' && isJob(value)) claimed(value);
          return result;
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
          instruments.commands.add(1, { command: name, outcome: 'exception' });
          throw error;
        } finally {
          span.end();
        }
      })();
    };

  const claimed = (job: Job): void => {
    const pool = job.assignedAgentPoolId ?? '';
    const claim = job.statusHistory.findLast((s) => s.name === 'Claimed');
    instruments.claims.add(1, { pool });
    if (claim !== undefined)
      instruments.claimLatency.record((claim.created.getTime() - job.created.getTime()) / 1000, { pool });
  };

  const overrides: Record<string, unknown> = {};
  for (const name of commandCalls) overrides[name] = traced(name);
  overrides.pollJob = ((...args: Parameters<JobLedgerSession['pollJob']>) => {
    const wait = session.pollJob(...args);
    return async () => {
      instruments.pollWaiters.add(1);
      try {
        return await wait();
      } finally {
        instruments.pollWaiters.add(-1);
      }
    };
  }) satisfies JobLedgerSession['pollJob'];
  const wrapped = overriding(session, overrides as Partial<JobLedgerSession>);
  // A handle over the traced session, so its calls are traced like the session's own.
  overrides.job = ((id: string) => createJobHandle(wrapped, id)) satisfies JobLedgerSession['job'];
  return wrapped;
};
