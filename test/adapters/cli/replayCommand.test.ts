import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../../src/adapters/cli/demoCommand.js';
import { jobsCommand } from '../../../src/adapters/cli/jobsCommand.js';
import { formatCount } from '../../../src/adapters/cli/progressBar.js';
import { replayCommand } from '../../../src/adapters/cli/replayCommand.js';
import { harness, memoryHarness, tempDir, type Harness } from './cliHarness.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

const listing = async (h: Harness, url: string) => {
  h.clear();
  expect(
    await jobsCommand(['--json', '--archive-status', 'all', '--size', '100', '--store', url], h.io),
  ).toBe(0);
  return h.stdout();
};

describe('jobledger replay', () => {
  it.each([
    ['memory:', () => memoryHarness()],
    [`sqlite:${dirs.path('replay.db')}`, () => harness()],
  ])(
    'rebuilds the lost projections of %s from the log to the same listing, and prints events/s',
    async (url, make) => {
      let t = 0;
      const h = make();
      const timed = { ...h.io, now: () => new Date((t += 7)) };
      expect(await demoCommand(['--jobs', '40', '--store', url], h.io)).toBe(0);
      const events = Number(/events written ([\d ]+) in/.exec(h.stdout())![1]!.replace(/ /g, ''));
      const before = await listing(h, url);
      expect(JSON.parse(before)).toMatchObject({ total: 40 });
      // The projections are lost (the log is kept): the listing is empty until the replay.
      const store = h.io.openStore!(url);
      await store.readModel.reset();
      await store.close();
      expect(JSON.parse(await listing(h, url))).toMatchObject({ total: 0, items: [] });
      h.clear();
      expect(await replayCommand(['--store', url], timed)).toBe(0);
      expect(h.stdout()).toMatch(
        new RegExp(
          `^replayed ${formatCount(events)} events from ${url} into the projections in [\\d.]+ s \\([\\d ]+ events/s\\)\\n$`,
        ),
      );
      expect(await listing(h, url)).toBe(before);
    },
  );
});
