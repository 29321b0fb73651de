import { existsSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsCommand } from '../../../src/adapters/cli/jobsCommand.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { PageJob } from '../../../src/domain/dto.js';
import { harness, memoryHarness, oneLineFailure, tempDir } from './cliHarness.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

/** A memory store with 12 jobs of user alice: 3 completed (one of them archived), the rest pending. */
const seeded = async () => {
  const h = memoryHarness();
  let n = 0;
  const ledger = createJobLedger({
    store: h.store,
    ids: () => `id-${String(n++).padStart(4, '0')}`,
    clock: () => new Date(Date.UTC(2026, 2, 1, 12, 0, n)),
  });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const agent = ledger.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const job = await alice.createJob({
      function: { id: 'fn-1', name: 'render' },
      file: { name: 'p.json' },
    })();
    if (E.isLeft(job)) throw new Error(job.left.message);
    ids.push(job.right.id);
  }
  for (let i = 0; i < 3; i++) {
    const claimed = await agent.getJobForAgent()();
    if (E.isLeft(claimed) || !('id' in claimed.right)) throw new Error('no claim');
    for (const status of ['Running', 'Completed'] as const)
      await agent.updateStatus(claimed.right.id, { status })();
  }
  await alice.archiveJob(ids[0]!, { reason: 'old' })();
  return { h, ledger, ids };
};

describe('jobledger jobs', () => {
  let s: Awaited<ReturnType<typeof seeded>>;
  beforeAll(async () => {
    s = await seeded();
  });

  it('prints a table for people: id, status, created, function, agent, archived', async () => {
    s.h.clear();
    expect(
      await jobsCommand(['--store', 'memory:', '--status', 'completed', '--archive-status', 'all'], s.h.io),
    ).toBe(0);
    const lines = s.h.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+created \(UTC\)\s+function\s+agent\s+archived$/);
    expect(lines).toHaveLength(1 + 3 + 1);
    expect(
      lines
        .slice(1, 4)
        .every((l) => /\bCompleted\s+2026-03-01 12:00:\d\d\s+render\s+agent-1\s+(yes|no)$/.test(l)),
    ).toBe(true);
    expect(lines.filter((l) => l.endsWith('yes'))).toHaveLength(1);
    expect(lines[4]).toBe('page 1 of 1, 3 jobs');
  });

  it('--json prints exactly the PageJob wire JSON of the same listing', async () => {
    s.h.clear();
    expect(await jobsCommand(['--store', 'memory:', '--json', '--size', '5', '--page', '2'], s.h.io)).toBe(0);
    const expected = await s.ledger.system.listJobs({ size: 5, page: 2 })();
    expect(E.isRight(expected)).toBe(true);
    if (E.isRight(expected)) expect(s.h.stdout()).toBe(`${PageJob.toJson(expected.right)}\n`);
    const wire = JSON.parse(s.h.stdout()) as {
      items: { status_history: unknown[] }[];
      total: number;
      pages: number;
    };
    expect(wire.total).toBe(11);
    expect(wire.pages).toBe(3);
    expect(wire.items).toHaveLength(5);
    expect(wire.items[0]).toHaveProperty('status_history');
  });

  it('pages, and says where the next page is', async () => {
    s.h.clear();
    await jobsCommand(['--store', 'memory:', '--size', '4'], s.h.io);
    expect(s.h.stdout()).toContain('page 1 of 3, 11 jobs; --page 2 for more');
    s.h.clear();
    await jobsCommand(['--store', 'memory:', '--size', '4', '--page', '9'], s.h.io);
    expect(s.h.stdout()).toBe('page 9 is past the last page (3) of 11 jobs; try --page 3\n');
  });

  it('says when nothing matches', async () => {
    s.h.clear();
    expect(await jobsCommand(['--store', 'memory:', '--status', 'Unknown'], s.h.io)).toBe(0);
    expect(s.h.stdout()).toBe('no jobs match (status Unknown, archive status active) in memory:\n');
  });

  it.each([
    [['--status', 'Done'], '--status must be one of Created, Pending'],
    [['--size', '500'], '--size must be a whole number from 1 to 100'],
    [['--page', '0'], '--page must be a whole number from 1'],
    [['--archive-status', 'gone'], '--archive-status must be one of active, archived, all'],
    [['--sort', 'created'], 'unknown option --sort for jobs'],
  ])('refuses %j in one line with exit 2', async (args, message) => {
    s.h.clear();
    expect(await jobsCommand([...args, '--store', 'memory:'], s.h.io)).toBe(2);
    expect(s.h.stderr()).toMatch(oneLineFailure);
    expect(s.h.stderr()).toContain(message);
    expect(s.h.stdout()).toBe('');
  });

  it('does not create a database for a missing SQLite file', async () => {
    const file = dirs.path('missing.db');
    const h = harness();
    expect(await jobsCommand(['--store', `sqlite:${file}`], h.io)).toBe(1);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain(`no jobledger database at ${file}`);
    expect(existsSync(file)).toBe(false);
  });

  it('takes the store from JOBLEDGER_STORE, else sqlite:./jobledger.db', async () => {
    const h = harness({ env: { JOBLEDGER_STORE: `sqlite:${dirs.path('env.db')}` } });
    expect(await jobsCommand([], h.io)).toBe(1);
    expect(h.stderr()).toContain(`no jobledger database at ${dirs.path('env.db')}`);
    const d = harness();
    const cwd = process.cwd();
    process.chdir(dirs.path('.'));
    try {
      expect(await jobsCommand([], d.io)).toBe(1);
    } finally {
      process.chdir(cwd);
    }
    expect(d.stderr()).toContain('no jobledger database at ./jobledger.db (store sqlite:./jobledger.db)');
  });

  it('names a bad store URL and what to use instead', async () => {
    const h = harness();
    expect(await jobsCommand(['--store', 'postgress://db'], h.io)).toBe(1);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain('postgress://db');
  });
});
