import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { copyCommand } from '../../../src/adapters/cli/copyCommand.js';
import { copyEventLog, eventBytes } from '../../../src/adapters/cli/copyEventLog.js';
import { demoCommand } from '../../../src/adapters/cli/demoCommand.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { openStore } from '../../../src/adapters/openStore.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import type { ProjectedEventStore } from '../../../src/projections/ReadModelStore.js';
import { harness, kept, oneLineFailure, tempDir } from './cliHarness.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

const readAll = async (store: ProjectedEventStore): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  for await (const e of store.readAll()) events.push(e);
  return events;
};

/** What must survive a copy: everything but the store-specific position. */
const portable = ({ position: _position, ...event }: StoredEvent) => event;

describe('jobledger copy', () => {
  it('copies a SQLite log to a new SQLite file with every hash identical, and verifies it', async () => {
    const from = `sqlite:${dirs.path('source.db')}`;
    const to = `sqlite:${dirs.path('copy.db')}`;
    const h = harness();
    expect(await demoCommand(['--jobs', '40', '--store', from], h.io)).toBe(0);
    h.clear();
    expect(await copyCommand(['--from', from, '--to', to], h.io)).toBe(0);

    const source = openStore(from);
    const target = openStore(to);
    const [a, b] = [await readAll(source), await readAll(target)];
    const [listA, listB] = [await source.readModel.dump(), await target.readModel.dump()];
    await source.close();
    await target.close();
    expect(b.map(portable)).toEqual(a.map(portable));
    expect(listB.jobs).toEqual(listA.jobs);

    const [copied, verified] = h.stdout().trimEnd().split('\n');
    expect(copied).toMatch(new RegExp(`^copied ${a.length} events in 40 streams from ${from} to ${to} in `));
    expect(verified).toBe(
      `verified ${to}: ${a.length} events in 40 streams, every hash matches; the last hash of all 40 copied streams equals the source's`,
    );
  });

  it('refuses to copy twice into the same target instead of duplicating events', async () => {
    const from = `sqlite:${dirs.path('twice-source.db')}`;
    const to = `sqlite:${dirs.path('twice-copy.db')}`;
    const h = harness();
    await demoCommand(['--jobs', '10', '--store', from], h.io);
    expect(await copyCommand(['--from', from, '--to', to], h.io)).toBe(0);
    const target = openStore(to);
    const before = (await readAll(target)).length;
    await target.close();
    h.clear();
    expect(await copyCommand(['--from', from, '--to', to], h.io)).toBe(1);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toMatch(
      /^jobledger: the target \S+ already holds job-\S+ up to version \d+ \(0 events were copied before it stopped\): this copy ran before, or the target is not empty; copy into an empty store/,
    );
    const again = openStore(to);
    expect(await readAll(again)).toHaveLength(before);
    await again.close();
  });

  it('copies between any two stores the process can open (memory to memory here)', async () => {
    const stores: Record<string, ProjectedEventStore> = {
      'memory:a': memoryEventStore(),
      'memory:b': memoryEventStore(),
    };
    const h = harness({ openStore: (url) => kept(stores[url] ?? openStore(url)) });
    expect(await demoCommand(['--jobs', '15', '--store', 'memory:a'], h.io)).toBe(0);
    h.clear();
    expect(await copyCommand(['--from', 'memory:a', '--to', 'memory:b'], h.io)).toBe(0);
    expect((await readAll(stores['memory:b']!)).map(portable)).toEqual(
      (await readAll(stores['memory:a']!)).map(portable),
    );
  });

  it.each([
    [['--to', 'sqlite:x.db'], 2, 'copy needs --from'],
    [['--from', 'sqlite:x.db'], 2, 'copy needs --to'],
    [['--from', 'sqlite:./same.db', '--to', 'sqlite:same.db'], 2, '--from and --to name the same store'],
    [
      ['--from', 'memory:', '--to', 'memory:', '--batch-bytes', '0'],
      2,
      '--batch-bytes 0 is not a positive number',
    ],
  ])('refuses %j in one line', async (args, code, message) => {
    const h = harness();
    expect(await copyCommand(args, h.io)).toBe(code);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain(message);
  });

  it('splits the appends of a long stream by bytes, and sends an event larger than the limit alone', async () => {
    const source = memoryEventStore();
    const comment = (n: number, bytes: number) => ({
      type: 'JobCommentAdded',
      data: { commentId: `c${n}`, content: 'x'.repeat(bytes) },
    });
    const sizes = [20_000, 20_000, 30_000, 150_000, 10_000, 40_000, 40_000, 40_000, 5_000];
    for (const [n, bytes] of sizes.entries())
      await source.append('job-big', [comment(n, bytes)], { expected: n === 0 ? 'no-stream' : n - 1 })();
    const target = memoryEventStore();
    const sent: StoredEvent[][] = [];
    const recording = {
      ...target,
      append: (...args: Parameters<typeof target.append>) => {
        const appending = target.append(...args);
        return async () => {
          const r = await appending();
          if (r._tag === 'Right') sent.push([...r.right.events]);
          return r;
        };
      },
    };
    const copied = await copyEventLog(source, recording, { batchBytes: 100_000 });
    expect(copied).toMatchObject({ _tag: 'Right', right: { events: sizes.length } });
    expect(sent.map((batch) => batch.map((e) => (e.data as { content: string }).content.length))).toEqual([
      [20_000, 20_000, 30_000],
      [150_000],
      [10_000, 40_000, 40_000],
      [40_000, 5_000],
    ]);
    for (const batch of sent.filter((b) => b.length > 1))
      expect(batch.reduce((n, e) => n + eventBytes(e), 0)).toBeLessThanOrEqual(100_000);
    expect((await readAll(target)).map(portable)).toEqual((await readAll(source)).map(portable));
  });

  it('does not create the target when the source is missing', async () => {
    const h = harness();
    const to = dirs.path('never.db');
    expect(
      await copyCommand(['--from', `sqlite:${dirs.path('nothing.db')}`, '--to', `sqlite:${to}`], h.io),
    ).toBe(1);
    expect(h.stderr()).toContain('no jobledger database at');
    expect(existsSync(to)).toBe(false);
  });
});
