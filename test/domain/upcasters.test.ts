import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createUpcasterRegistry, decodeJobEvent } from '../../src/domain/upcasters.js';

describe('upcasters', () => {
  it('an old schema version is upcast on read, step by step', () => {
    const registry = createUpcasterRegistry()
      .register('JobCommentAdded', -1, (d) => ({ ...(d as object), commentId: 'legacy' }))
      .register('JobCommentAdded', 0, (d) => {
        const { body, ...rest } = d as { body: string };
        return { ...rest, content: body };
      });
    const decoded = decodeJobEvent(
      { type: 'JobCommentAdded', schemaVersion: -1, data: { body: 'written in 2019' } },
      registry,
    );
    expect(decoded).toEqual(
      E.right({ type: 'JobCommentAdded', data: { commentId: 'legacy', content: 'written in 2019' } }),
    );
  });

  it('a missing upcaster, a newer schema and an unknown type are ValidationErrors that say what to do', () => {
    const none = createUpcasterRegistry();
    expect(decodeJobEvent({ type: 'JobCommentAdded', schemaVersion: 0, data: {} }, none)).toMatchObject({
      left: {
        _tag: 'ValidationError',
        message: expect.stringContaining('no upcaster registered for JobCommentAdded from schema version 0'),
      },
    });
    expect(decodeJobEvent({ type: 'JobCommentAdded', schemaVersion: 7, data: {} }, none)).toMatchObject({
      left: { message: expect.stringContaining('upgrade jobledger') },
    });
    expect(decodeJobEvent({ type: 'JobTeleported', schemaVersion: 1, data: {} }, none)).toMatchObject({
      left: { message: expect.stringContaining('unknown event type JobTeleported') },
    });
  });

  it('bad data names the failing path', () => {
    const r = decodeJobEvent({
      type: 'JobStatusChanged',
      schemaVersion: 1,
      data: { from: 'Created', to: 'Nope', statusId: 's' },
    });
    expect(r).toMatchObject({ left: { issues: [{ path: 'data.to' }] } });
  });
});
