import { PassThrough } from 'node:stream';
import type { RecordedEvent } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import {
  fromKurrentRecordedEvent,
  kurrentEventIdOf,
  toKurrentEventData,
} from '../../../src/adapters/kurrentdb/kurrentdbEvents.js';
import { readableItems } from '../../../src/adapters/kurrentdb/subscriptionItems.js';
import { sealEvents, emptyTip } from '../../../src/adapters/sealEvents.js';
import { hashMatches } from '../../../src/domain/hashChain.js';

/** What the client hands back for a JSON event it appended: data and metadata through JSON, as the wire does. */
const asRecorded = (
  data: ReturnType<typeof toKurrentEventData>,
  streamId: string,
  revision: number,
  position = { commit: 1234n, prepare: 1234n },
): RecordedEvent =>
  ({
    streamId,
    id: data.id,
    isJson: true,
    revision: BigInt(revision),
    type: data.type,
    created: new Date(),
    data: JSON.parse(JSON.stringify(data.data)) as unknown,
    metadata: JSON.parse(JSON.stringify(data.metadata)) as unknown,
    position,
  }) as RecordedEvent;

describe('events in KurrentDB', () => {
  const sealed = sealEvents(
    'job-j1',
    emptyTip,
    [
      {
        eventId: '5f0c8a52-4b3e-4c55-9d47-0a1f7c2b9e10',
        type: 'JobCreated',
        data: { jobId: 'j1', nested: { b: 1, a: [1, 'x', null] } },
        metadata: {
          actor: { kind: 'user', id: 'u1' },
          correlationId: 'c-1',
          recordedAt: '2026-01-02T03:04:05.000Z',
        },
      },
      { eventId: 'ev-not-a-uuid', type: 'JobCommentAdded', schemaVersion: 2, data: { content: 'hi' } },
    ],
    () => '',
  );

  it('round-trip with the same id, metadata and a valid hash chain', () => {
    const back = sealed.map((e, i) =>
      fromKurrentRecordedEvent(asRecorded(toKurrentEventData(e), e.streamId, i))!,
    );
    expect(back.map((e) => ({ ...e, position: '' }))).toEqual(sealed);
    expect(back.every(hashMatches)).toBe(true);
    expect(back[1]!.metadata.prevHash).toBe(back[0]!.metadata.hash);
    expect(back[0]!.position).toBe('1234:1234');
  });

  it('a UUID event id is the KurrentDB id; another id gets a stable derived UUID and is kept in the metadata', () => {
    const [a, b] = sealed.map(toKurrentEventData);
    expect(a!.id).toBe('5f0c8a52-4b3e-4c55-9d47-0a1f7c2b9e10');
    expect(b!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(kurrentEventIdOf('ev-not-a-uuid')).toBe(b!.id);
    expect(b!.metadata).toMatchObject({ eventId: 'ev-not-a-uuid', schemaVersion: 2 });
    expect(a!.metadata).toMatchObject({ correlationId: 'c-1', $correlationId: 'c-1' });
  });

  it('events jobledger did not write are not ours (system events, foreign metadata, binary)', () => {
    const data = toKurrentEventData(sealed[0]!);
    expect(
      fromKurrentRecordedEvent({ ...asRecorded(data, 'job-j1', 0), type: '$metadata' } as RecordedEvent),
    ).toBe(undefined);
    expect(
      fromKurrentRecordedEvent({ ...asRecorded(data, 'job-j1', 0), metadata: { foo: 1 } } as RecordedEvent),
    ).toBe(undefined);
    expect(
      fromKurrentRecordedEvent({ ...asRecorded(data, 'job-j1', 0), isJson: false } as RecordedEvent),
    ).toBe(undefined);
  });
});

describe('readableItems (the client subscription as an async iterable)', () => {
  const subscription = () => {
    const stream = new PassThrough({ objectMode: true }) as PassThrough & { unsubscribe(): Promise<void> };
    let cancelled = 0;
    stream.unsubscribe = async () => {
      cancelled++;
      stream.destroy();
    };
    return { stream, cancelled: () => cancelled };
  };

  it('yields items in order, ends with the stream, and cancels it', async () => {
    const { stream, cancelled } = subscription();
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const item of readableItems(stream, { highWaterMark: 4 })) seen.push(item);
    })();
    for (let i = 0; i < 20; i++) stream.write({ i });
    stream.end();
    await reading;
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
    expect(cancelled()).toBe(1);
  });

  it('ends at once when the signal aborts while waiting, and throws the stream error', async () => {
    const { stream, cancelled } = subscription();
    const controller = new AbortController();
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const item of readableItems(stream, { signal: controller.signal })) seen.push(item);
    })();
    stream.write('a');
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await reading;
    expect(seen).toEqual(['a']);
    expect(cancelled()).toBe(1);

    const failing = subscription();
    const failed = (async () => {
      for await (const _ of readableItems(failing.stream)) void _;
    })();
    failing.stream.destroy(new Error('connection reset'));
    await expect(failed).rejects.toThrow('connection reset');
  });
});
