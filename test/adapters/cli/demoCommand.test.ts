import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../../src/adapters/cli/demoCommand.js';
import { jobsCommand } from '../../../src/adapters/cli/jobsCommand.js';
import { verifyCommand } from '../../../src/adapters/cli/verifyCommand.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { jobStatusNames } from '../../../src/domain/JobStatusName.js';
import { harness, memoryHarness, oneLineFailure, tempDir } from './cliHarness.js';

/** The status table of a demo summary as { status: count }. */
const statusCounts = (summary: string): Record<string, number> =>
  Object.fromEntries(
    summary
      .split('\n')
      .map((line) => /^(\w+)\s+(\d+)$/.exec(line))
      .filter((m) => m !== null && (jobStatusNames as readonly string[]).includes(m[1]!))
      .map((m) => [m![1]!, Number(m![2])]),
  );

const dirs = tempDir();
afterAll(() => dirs.cleanup());

describe('jobledger demo', () => {
  it('works every job to a terminal status with crashes, expired leases and archives, and summarizes', async () => {
    const h = memoryHarness();
    expect(await demoCommand(['--jobs', '120', '--agents', '5', '--store', 'memory:'], h.io)).toBe(0);
    const summary = h.stdout();
    const counts = statusCounts(summary);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(120);
    expect(Object.keys(counts).every((s) => ['Completed', 'Failed', 'Canceled'].includes(s))).toBe(true);
    expect(summary).toMatch(/leases expired [1-9]\d* \(/);
    expect(summary).toMatch(/archived [1-9]/);
    expect(summary).toMatch(/events written [\d ]+ in [\d.]+ s \(/);

    // What the summary says is what the store holds.
    const ledger = createJobLedger({ store: h.store });
    const all = await ledger.system.listJobs({ archiveStatus: 'all', size: 1 })();
    expect(all._tag === 'Right' && all.right.total).toBe(120);
    for (const [status, n] of Object.entries(counts)) {
      const page = await ledger.system.listJobs({ archiveStatus: 'all', size: 1, status: status as never })();
      expect(page._tag === 'Right' && page.right.total).toBe(n);
    }
    const events = Number(/events written ([\d ]+) in/.exec(summary)![1]!.replace(/ /g, ''));
    let stored = 0;
    for await (const _ of h.store.readAll()) stored++;
    expect(events).toBe(stored);

    h.clear();
    expect(await verifyCommand(['--store', 'memory:'], h.io)).toBe(0);
    expect(h.stdout()).toMatch(/^OK: /);
  });

  it('counts only its own jobs when an earlier, interrupted demo left jobs pending and claimed', async () => {
    const h = memoryHarness();
    const earlier = createJobLedger({ store: h.store });
    const user = earlier.as({ kind: 'user', id: 'u-ada', tenantId: 't-demo' });
    for (let i = 0; i < 4; i++)
      await user.createJob({ function: { id: 'fn-render' }, file: { name: 'p.json' } })();
    await earlier.as({ kind: 'agent', id: 'agent-1', tenantId: 't-demo' }).getJobForAgent()();
    expect(await demoCommand(['--jobs', '30', '--store', 'memory:'], h.io)).toBe(0);
    const counts = statusCounts(h.stdout());
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('makes the same choices for the same seed', async () => {
    const run = async () => {
      const h = memoryHarness();
      expect(
        await demoCommand(['--jobs', '60', '--agents', '3', '--seed', '7', '--store', 'memory:'], h.io),
      ).toBe(0);
      return statusCounts(h.stdout());
    };
    expect(await run()).toEqual(await run());
  });

  it('prints plain progress lines when stderr is not a terminal', async () => {
    const h = memoryHarness();
    await demoCommand(['--jobs', '40', '--store', 'memory:'], h.io);
    expect(h.stderr()).toContain('demo: 100% 40/40 jobs done');
    expect(h.stderr()).not.toContain('\r');
  });

  it('draws a bar in place when stderr is a terminal', async () => {
    const h = memoryHarness({ tty: true });
    await demoCommand(['--jobs', '40', '--store', 'memory:'], h.io);
    expect(h.stderr()).toContain('\x1b[1Gdemo [');
    expect(h.stderr().endsWith('\x1b[1G\x1b[2K')).toBe(true);
  });

  it('creates a SQLite store that the read commands then open', async () => {
    const url = `sqlite:${dirs.path('demo.db')}`;
    const h = harness();
    expect(await demoCommand(['--jobs', '50', '--agents', '3', '--store', url], h.io)).toBe(0);
    h.clear();
    expect(await jobsCommand(['--archive-status', 'all', '--size', '100', '--store', url], h.io)).toBe(0);
    expect(h.stdout()).toContain('page 1 of 1, 50 jobs');
    h.clear();
    expect(await verifyCommand(['--store', url], h.io)).toBe(0);
  });

  it.each([
    [['--jobs', '0'], '--jobs must be a whole number from 1 to 1000000'],
    [['--agents', 'many'], '--agents must be a whole number'],
    [['--job', '3'], 'unknown option --job for demo'],
  ])('refuses %j in one line with exit 2', async (args, message) => {
    const h = memoryHarness();
    expect(await demoCommand([...args, '--store', 'memory:'], h.io)).toBe(2);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain(message);
  });
});
