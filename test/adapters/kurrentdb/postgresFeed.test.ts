import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectionFeeder } from '../../../src/adapters/kurrentdb/projectionFeeder.js';
import { describePg, freshSchema, pgStores } from '../postgres/pgTestServer.js';
import { compareKurrent, play, recordSubscription, type Recording } from './recording.js';

// The Postgres projection store of openKurrentStore (`projections=postgres://…`): the Postgres store's read model
// in a schema of its own, its checkpoint a KurrentDB position, fed from a recorded subscription.
describePg(
  'projection feeder: a recorded KurrentDB subscription applied to a Postgres read model schema',
  () => {
    const stores = pgStores();
    let recording: Recording;
    beforeAll(async () => {
      recording = await recordSubscription();
    });
    afterAll(() => stores.cleanup());

    it('applies everything: the same rows as the memory store, the KurrentDB position as checkpoint', async () => {
      const store = stores.open(freshSchema('kfeed'), { feedPositions: compareKurrent });
      const feeder = projectionFeeder({
        readModel: store.readModel,
        comparePositions: compareKurrent,
        batchSize: 100,
      });
      const progress = await feeder.feed(play(recording.items, 40));
      expect(progress.events).toBe(recording.events.length);
      const dump = await store.readModel.dump();
      expect(dump.jobs).toEqual(recording.memoryDump.jobs);
      expect(dump.checkpoint).toBe(recording.lastPosition);
    });

    it('stopped midway and restarted from its checkpoint: the same rows, nothing applied twice', async () => {
      const schema = freshSchema('kfeed_restart');
      const first = stores.open(schema, { feedPositions: compareKurrent });
      const half = recording.items.slice(0, Math.floor(recording.items.length / 2));
      const done = await projectionFeeder({
        readModel: first.readModel,
        comparePositions: compareKurrent,
      }).feed(play(half, 40));
      const checkpoint = await first.readModel.checkpoint();
      expect(checkpoint).not.toBeNull();
      await first.close();

      const again = stores.open(schema, { feedPositions: compareKurrent });
      expect(await again.readModel.checkpoint()).toBe(checkpoint);
      // The source replays from its start: only what comes after the checkpoint is applied.
      const rest = await projectionFeeder({
        readModel: again.readModel,
        comparePositions: compareKurrent,
      }).feed(play(recording.items, 40));
      expect(done.events + rest.events).toBe(recording.events.length);
      expect((await again.readModel.dump()).jobs).toEqual(recording.memoryDump.jobs);
    });
  },
);
