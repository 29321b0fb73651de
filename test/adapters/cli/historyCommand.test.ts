import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { historyCommand } from '../../../src/adapters/cli/historyCommand.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { memoryHarness, oneLineFailure } from './cliHarness.js';

/** One job through claim, run, completion, a comment and an archive, one second per event. */
const oneJob = async () => {
  const h = memoryHarness();
  let second = 0;
  const ledger = createJobLedger({
    store: h.store,
    clock: () => new Date(Date.UTC(2026, 2, 1, 12, 0, second++)),
  });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const agent = ledger.as({ kind: 'agent', id: 'agent-1', tenantId: 't1' });
  const job = await alice.createJob({
    function: { id: 'fn-1' },
    file: { name: 'p.json' },
    id: 'job-a',
  } as never)();
  if (E.isLeft(job)) throw new Error(job.left.message);
  await agent.getJobForAgent()();
  await agent.updateStatus('job-a', { status: 'Running', message: 'go' })();
  await agent.updateStatus('job-a', { status: 'Completed', message: 'done\nwith a newline' })();
  await alice.addComment('job-a', { content: 'thanks' })();
  await alice.archiveJob('job-a', { reason: 'old' })();
  return { h, ledger };
};

describe('jobledger history', () => {
  it("prints the job's timeline: version, time, event, status move, who, message, short hash", async () => {
    const { h, ledger } = await oneJob();
    expect(await historyCommand(['job-a', '--store', 'memory:'], h.io)).toBe(0);
    const lines = h.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*v\s+time \(UTC\)\s+event\s+status\s+who\s+message\s+hash$/);
    const events = await ledger.system.history('job-a')();
    if (E.isLeft(events)) throw new Error(events.left.message);
    expect(lines).toHaveLength(1 + events.right.length);
    expect(lines[1]).toMatch(
      /^0\s+2026-03-01 12:00:00\.000\s+JobCreated\s+Created\s+user u-alice\s+created: function fn-1, file p\.json/,
    );
    expect(lines[2]).toMatch(/JobStatusChanged\s+Created -> Pending\s+user u-alice\s+\(submit\)/);
    expect(lines[3]).toMatch(/Pending -> Claimed\s+agent agent-1\s+claimed by agent-1/);
    expect(lines[5]).toMatch(/Running -> Completed\s+agent agent-1\s+done with a newline\s+[0-9a-f]{12}$/);
    expect(lines[6]).toMatch(/JobCommentAdded\s+user u-alice\s+comment: thanks/);
    expect(lines[7]).toMatch(/JobArchived\s+user u-alice\s+archived: old/);
    events.right.forEach((e, i) => expect(lines[i + 1]!.endsWith(e.metadata.hash.slice(0, 12))).toBe(true));
  });

  it('--json prints the stored events, and --as-of cuts the timeline at a time', async () => {
    const { h, ledger } = await oneJob();
    const all = await ledger.system.history('job-a')();
    if (E.isLeft(all)) throw new Error(all.left.message);
    const cut = all.right[3]!.metadata.recordedAt;
    expect(all.right[4]!.metadata.recordedAt > cut).toBe(true);
    expect(await historyCommand(['job-a', '--json', '--as-of', cut, '--store', 'memory:'], h.io)).toBe(0);
    expect(JSON.parse(h.stdout())).toEqual(JSON.parse(JSON.stringify(all.right.slice(0, 4))));
  });

  it('names an unknown job in one line and says how to find ids (exit 1)', async () => {
    const { h } = await oneJob();
    expect(await historyCommand(['job-zzz', '--store', 'memory:'], h.io)).toBe(1);
    expect(h.stderr()).toBe(
      'jobledger: job job-zzz not found in memory:; list the ids with jobledger jobs --archive-status all\n',
    );
  });

  it.each([
    [[], 'history needs a job id'],
    [['job-a', '--as-of', 'yesterday'], '--as-of must be an ISO-8601 time, got "yesterday"'],
    [['job-a', 'job-b'], 'unexpected argument "job-b" for history'],
  ])('refuses %j in one line with exit 2', async (args, message) => {
    const { h } = await oneJob();
    expect(await historyCommand([...args, '--store', 'memory:'], h.io)).toBe(2);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain(message);
  });
});
