import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkCheckpoint,
  checkFeedCheckpoint,
  logIdentityOf,
  type LogBounds,
} from '../../../src/adapters/kurrentdb/logIdentity.js';
import { projectionFeeder, type SubscriptionItem } from '../../../src/adapters/kurrentdb/projectionFeeder.js';
import { sqliteFeedReadModel } from '../../../src/adapters/kurrentdb/sqliteFeedReadModel.js';
import { tempDatabases } from '../sqlite/tempDatabase.js';
import { compareKurrent, play, recordSubscription, type Recording } from './recording.js';

const boundsOf = (r: Recording): LogBounds => ({
  first: { position: r.events[0]!.position, eventId: r.events[0]!.eventId },
  head: r.lastPosition,
});

describe('a read model checkpoint checked against the log it reads (a KurrentDB server reset or replaced)', () => {
  const databases = tempDatabases();
  let recording: Recording;
  // The same ledger recorded again: another log (other event ids) with positions in the same range, as a server
  // that was reset and written again has.
  let otherLog: Recording;
  beforeAll(async () => {
    [recording, otherLog] = [await recordSubscription(), await recordSubscription()];
  });
  afterAll(() => databases.cleanup());

  it('decides from the first event and the head alone', () => {
    const bounds = boundsOf(recording);
    const identity = logIdentityOf(bounds);
    const checkpoint = recording.events[100]!.position;
    expect(checkCheckpoint({ checkpoint, identity }, bounds, compareKurrent)).toEqual({
      keep: true,
      identity,
    });
    // Fed before identities were kept: kept while the checkpoint is within the log, the identity recorded now.
    expect(checkCheckpoint({ checkpoint, identity: null }, bounds, compareKurrent)).toEqual({
      keep: true,
      identity,
    });
    expect(checkCheckpoint({ checkpoint: null, identity: null }, {}, compareKurrent)).toEqual({
      keep: true,
      identity: null,
    });
    expect(checkCheckpoint({ checkpoint, identity }, boundsOf(otherLog), compareKurrent)).toMatchObject({
      keep: false,
      reason: expect.stringMatching(/first event is .* not .*: the server was reset or is another one/),
    });
    expect(checkCheckpoint({ checkpoint, identity }, {}, compareKurrent)).toMatchObject({
      keep: false,
      identity: null,
      reason: expect.stringMatching(/the log is empty/),
    });
    const shorter = { ...bounds, head: recording.events[50]!.position };
    expect(checkCheckpoint({ checkpoint, identity: null }, shorter, compareKurrent)).toMatchObject({
      keep: false,
      reason: expect.stringMatching(/lies past the end of the log/),
    });
  });

  it('a read model fed from the recording keeps its checkpoint on the same log, and is rebuilt from another', async () => {
    const file = databases.file();
    const readModel = sqliteFeedReadModel({ file, comparePositions: compareKurrent });
    const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent });
    const resets: string[] = [];
    const check = (r: Recording) =>
      checkFeedCheckpoint(
        readModel,
        async () => boundsOf(r),
        compareKurrent,
        (why) => resets.push(why),
      );

    expect(await check(recording)).toMatchObject({ keep: true });
    await feeder.feed(play(recording.items));
    expect(await check(recording)).toMatchObject({ keep: true });
    expect(await readModel.logIdentity()).toBe(logIdentityOf(boundsOf(recording)));
    expect(await readModel.checkpoint()).toBe(recording.lastPosition);
    expect(resets).toEqual([]);

    // The server now holds another log: the checkpoint would land inside one of its records (or skip its events).
    expect(await check(otherLog)).toMatchObject({ keep: false });
    expect(resets).toHaveLength(1);
    expect(await readModel.checkpoint()).toBeNull();
    expect((await readModel.dump()).jobs).toEqual([]);
    expect(await readModel.logIdentity()).toBe(logIdentityOf(boundsOf(otherLog)));
    // Fed from its start (a feeder that reads the checkpoint again, as run() does), it holds the other log's
    // rows, as the memory store does.
    await projectionFeeder({ readModel, comparePositions: compareKurrent }).feed(play(otherLog.items));
    expect((await readModel.dump()).jobs).toEqual(otherLog.memoryDump.jobs);
    await readModel.close();

    // Kept across a restart: the identity is in the file beside the checkpoint.
    const reopened = sqliteFeedReadModel({ file, comparePositions: compareKurrent });
    expect(await reopened.logIdentity()).toBe(logIdentityOf(boundsOf(otherLog)));
    expect(
      await checkFeedCheckpoint(
        reopened,
        async () => boundsOf(otherLog),
        compareKurrent,
        () => undefined,
      ),
    ).toMatchObject({ keep: true });
    await reopened.close();
  });

  it('run: the check before subscribing makes the feeder start again from the new log’s beginning', async () => {
    const readModel = sqliteFeedReadModel({ file: databases.file(), comparePositions: compareKurrent });
    const feeder = projectionFeeder({ readModel, comparePositions: compareKurrent });
    await checkFeedCheckpoint(
      readModel,
      async () => boundsOf(recording),
      compareKurrent,
      () => undefined,
    );
    await feeder.feed(play(recording.items));
    const stop = new AbortController();
    const subscribedFrom: (string | undefined)[] = [];
    await feeder.run(
      (after) => {
        subscribedFrom.push(after);
        return (async function* (): AsyncGenerator<SubscriptionItem> {
          yield* play(
            otherLog.items.filter(
              (i) =>
                after === undefined ||
                (i.kind === 'event' ? compareKurrent(i.event.position, after) > 0 : true),
            ),
          );
          stop.abort();
        })();
      },
      {
        signal: stop.signal,
        beforeSubscribe: async () => {
          await checkFeedCheckpoint(
            readModel,
            async () => boundsOf(otherLog),
            compareKurrent,
            () => undefined,
          );
        },
      },
    );
    expect(subscribedFrom).toEqual([undefined]);
    expect((await readModel.dump()).jobs).toEqual(otherLog.memoryDump.jobs);
    await readModel.close();
  });

  it('the feeder saves a checkpoint reached without events at most every checkpointEveryMs, and the last when it stops', async () => {
    const readModel = sqliteFeedReadModel({ file: databases.file(), comparePositions: compareKurrent });
    const saved: string[] = [];
    const counting = {
      ...readModel,
      saveCheckpoint: async (position: string) => {
        saved.push(position);
        await readModel.saveCheckpoint(position);
      },
    };
    const feeder = projectionFeeder({
      readModel: counting,
      comparePositions: compareKurrent,
      checkpointEveryMs: 60_000,
    });
    // A filtered subscription over a long stretch of other streams' records: checkpoints and no events.
    const checkpoints: SubscriptionItem[] = Array.from({ length: 200 }, (_, i) => ({
      kind: 'checkpoint',
      position: `${(i + 1) * 1000}:${(i + 1) * 1000}`,
    }));
    const waiting = feeder.waitForPosition('150000:150000', { timeoutMs: 10_000 });
    await feeder.feed(play(checkpoints));
    await waiting;
    expect(saved).toEqual(['1000:1000', '200000:200000']);
    expect(await readModel.checkpoint()).toBe('200000:200000');
    await readModel.close();
  });
});
