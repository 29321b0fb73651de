import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/domain/codecs/events.js';
import type { Principal } from '../../src/domain/principal.js';
import { decideSpec } from '../../src/testing/decideSpec.js';

const alice: Principal = { kind: 'user', id: 'u-alice', tenantId: 't1' };
const agent: Principal = { kind: 'agent', id: 'agent-7', tenantId: 't1' };
const other: Principal = { kind: 'agent', id: 'agent-8', tenantId: 't1' };
const created: JobEvent = {
  type: 'JobCreated',
  data: {
    jobId: 'j1',
    tenantId: 't1',
    function: { id: 'fn' },
    file: { name: 'p' },
    statusId: 's0',
    archiveStatusId: 'a0',
  },
};
const submitted: JobEvent = {
  type: 'JobStatusChanged',
  data: { from: 'Created', to: 'Pending', statusId: 's1' },
};
const claimed: JobEvent = {
  type: 'JobStatusChanged',
  data: {
    from: 'Pending',
    to: 'Claimed',
    statusId: 's2',
    agentId: 'agent-7',
    leaseExpiresAt: '2026-01-01T00:01:00.000Z',
  },
};

describe('decide, given/when/then', () => {
  const spec = decideSpec();
  const given = (events: JobEvent[]) => spec.given(events.map((event) => ({ event, by: alice })));

  it('an owner cancels a pending job', () => {
    given([created, submitted])
      .when(alice, { type: 'CancelJob', message: 'no longer needed' })
      .thenEvents([
        {
          type: 'JobStatusChanged',
          data: {
            from: 'Pending',
            to: 'Canceled',
            statusId: 'spec-0',
            message: 'no longer needed',
            reason: 'cancel',
          },
        },
      ]);
  });

  it('the holding agent starts running with a fresh lease', () => {
    // 45 s after the claim, whose lease runs out at 00:01:00: Running renews it to now + 60 s.
    decideSpec({ now: new Date('2026-01-01T00:00:45.000Z') })
      .given([created, submitted, claimed].map((event) => ({ event, by: alice })))
      .when(agent, { type: 'ChangeStatus', to: 'Running' })
      .thenEvents(
        (events) =>
          events[0]?.type === 'JobStatusChanged' &&
          events[0].data.leaseExpiresAt === '2026-01-01T00:01:45.000Z',
      );
  });

  it('fencing: another agent may not report', () => {
    given([created, submitted, claimed])
      .when(other, { type: 'ChangeStatus', to: 'Running' })
      .thenError('NotFound');
  });

  it('an illegal edge lists the allowed targets', () => {
    given([created, submitted])
      .when(alice, { type: 'ChangeStatus', to: 'Running' })
      .thenError('Conflict', {
        from: 'Pending',
        to: 'Running',
        allowed: ['Claimed', 'Failed', 'Canceled'],
      });
  });

  it('a wrong expectation fails loudly', () => {
    expect(() => given([created]).when(alice, { type: 'SubmitJob' }).thenError('Forbidden')).toThrow(
      /expected Forbidden/,
    );
  });
});
