import { describe, expect, it } from 'vitest';
import { sealEvents } from '../../src/adapters/sealEvents.js';
import { canonicalJson, hashMatches } from '../../src/domain/hashChain.js';
import type { NewEvent, StoredEvent } from '../../src/domain/storedEvent.js';
import { createStreamVerifier } from '../../src/domain/verifyStream.js';

const created: NewEvent = {
  type: 'JobCreated',
  data: {
    jobId: 'j1',
    tenantId: 't1',
    function: { id: 'fn' },
    file: { name: 'p.json' },
    statusId: 's0',
    archiveStatusId: 'a0',
  },
  metadata: { recordedAt: '2026-01-01T00:00:00.000Z', actor: { kind: 'user', id: 'u1' } },
};
const status = (from: string, to: string, id: string): NewEvent => ({
  type: 'JobStatusChanged',
  data: { from, to, statusId: id },
  metadata: { recordedAt: '2026-01-01T00:00:01.000Z', actor: { kind: 'user', id: 'u1' } },
});

const verify = (events: StoredEvent[]) => {
  const v = createStreamVerifier('job-j1');
  events.forEach((e) => v.push(e));
  return v.finish();
};

const seal = (events: NewEvent[]) =>
  sealEvents('job-j1', { version: -1, hash: '' }, events, (i) => String(i + 1));

describe('hash chain and stream verification', () => {
  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":2,"z":1}]},"b":1}',
    );
  });

  it('a healthy stream has no problems and every hash matches', () => {
    const events = seal([created, status('Created', 'Pending', 's1'), status('Pending', 'Claimed', 's2')]);
    expect(events.every(hashMatches)).toBe(true);
    expect(verify(events)).toEqual([]);
  });

  it('a changed byte in the data is a hash mismatch at that version', () => {
    const events = seal([created, status('Created', 'Pending', 's1'), status('Pending', 'Canceled', 's2')]);
    const tampered = { ...events[1]!, data: { ...(events[1]!.data as object), statusId: 's9' } };
    expect(verify([events[0]!, tampered, events[2]!])).toEqual([
      expect.objectContaining({ streamId: 'job-j1', version: 1, kind: 'hash-mismatch' }),
    ]);
  });

  it('an edge the machine lacks is an illegal transition, even with a valid chain', () => {
    const events = seal([created, status('Created', 'Completed', 's1')]);
    expect(verify(events)).toEqual([expect.objectContaining({ version: 1, kind: 'illegal-transition' })]);
  });

  it('a missing version is a gap; an undecodable event is a decode failure', () => {
    const events = seal([created, status('Created', 'Pending', 's1'), status('Pending', 'Claimed', 's2')]);
    const problems = verify([events[0]!, events[2]!]);
    expect(problems.map((p) => p.kind)).toContain('version-gap');
    const bad = seal([
      created,
      { type: 'JobStatusChanged', data: { from: 'Created', to: 'Sleeping', statusId: 's1' } },
    ]);
    expect(verify(bad)).toEqual([expect.objectContaining({ version: 1, kind: 'decode-failure' })]);
  });
});
