import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import { childOutput } from '../../support/childOutput.js';
import { compilePackage } from '../../support/compiledPackage.js';

// better-sqlite3 is synchronous, so crashes and claim races only show across processes (DESIGN section 8).
// The children run the compiled package, as users do.
const compiled = compilePackage('sqlite-processes');
const dir = mkdtempSync(join(tmpdir(), 'jobledger-processes-'));
let entry: string;

beforeAll(() => {
  compiled.build();
  entry = pathToFileURL(join(compiled.dist, 'index.js')).href;
}, 180_000);
afterAll(() => {
  compiled.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `script` (ESM, with `jobledger` bound to the compiled entry) and collects stdout lines as they come. */
const child = (script: string, env: Record<string, string>) => {
  const proc = spawn(
    process.execPath,
    ['--input-type=module', '-e', `import * as jobledger from '${entry}';\n${script}`],
    {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  return { proc, ...childOutput(proc) };
};

const user = { kind: 'user', id: 'u-alice', tenantId: 't1' } as const;

describe('several processes on one SQLite file', () => {
  it('a writer killed with SIGKILL loses no acknowledged job, and verify passes after reopening', async () => {
    const file = join(dir, 'crash.db');
    const writer = child(
      `const ledger = jobledger.createJobLedger({ store: jobledger.openStore('sqlite:' + process.env.FILE) });
       const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
       for (;;) {
         const r = await alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } })();
         if (r._tag !== 'Right') { console.error(r.left.message); process.exit(3); }
         console.log(r.right.id); // printed only once the command was acknowledged
       }`,
      { FILE: file },
    );
    const deadline = Date.now() + 30_000;
    while (writer.lines.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    writer.proc.kill('SIGKILL');
    expect(await writer.exited).toBeNull();
    const acknowledged = [...writer.lines];
    expect(acknowledged.length, writer.stderr()).toBeGreaterThanOrEqual(40);

    const ledger = createJobLedger({ store: openStore(`sqlite:${file}`) });
    for (const id of acknowledged) expect(E.isRight(await ledger.as(user).getJob(id)()), id).toBe(true);
    const report = await ledger.verify()();
    expect(report).toMatchObject({ _tag: 'Right', right: { ok: true, problems: [] } });
    await ledger.close()();
  }, 60_000);

  it('agents in several processes racing for the same jobs claim each exactly once', async () => {
    const file = join(dir, 'race.db');
    const jobs = 90;
    const setup = createJobLedger({ store: openStore(`sqlite:${file}`) });
    const ids: string[] = [];
    for (let i = 0; i < jobs; i++) {
      const r = await setup.as(user).createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
      if (E.isRight(r)) ids.push(r.right.id);
    }
    await setup.close()();

    const racers = [0, 1, 2].map((p) =>
      child(
        `const ledger = jobledger.createJobLedger({ store: jobledger.openStore('sqlite:' + process.env.FILE) });
         // Open the file and warm up, say so, then wait for the word: every process is ready before any claims,
         // so that they really race however late one of them started.
         const warm = await ledger.system.listJobs({ size: 1 })();
         if (warm._tag !== 'Right') { console.error(warm.left.message); process.exit(3); }
         console.log('ready');
         await new Promise((r) => process.stdin.once('data', r));
         await Promise.all([0, 1].map(async (a) => {
           const agent = ledger.as({ kind: 'agent', id: 'agent-' + process.env.P + '-' + a, tenantId: 't1' });
           for (;;) {
             const r = await agent.getJobForAgent()();
             if (r._tag !== 'Right') { console.error(r.left.message); process.exit(3); }
             if (!('id' in r.right)) return;
             console.log(r.right.id);
             // An agent works on its job a moment before it asks again. Without that pause one process can
             // take every job: its claims follow each other without a gap, and the others, sleeping in
             // SQLite's busy handler, never find the file unlocked.
             await new Promise((r) => setTimeout(r, 5));
           }
         }));
         await ledger.close()();
         process.stdin.destroy();`,
        { FILE: file, P: String(p) },
      ),
    );
    const readyBy = Date.now() + 60_000;
    while (!racers.every((r) => r.lines.includes('ready')) && Date.now() < readyBy) {
      if (racers.some((r) => r.proc.exitCode !== null)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const r of racers) r.proc.stdin!.end('go\n');
    const codes = await Promise.all(racers.map((r) => r.exited));
    expect(codes, racers.map((r) => r.stderr()).join('\n')).toEqual([0, 0, 0]);
    const claimedBy = racers.map((r) => r.lines.filter((l) => l.length > 0 && l !== 'ready'));
    const claimed = claimedBy.flat();
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(
      claimedBy.filter((lines) => lines.length > 0).length,
      `processes that won claims (${claimedBy.map((lines) => lines.length).join(', ')} each)`,
    ).toBeGreaterThan(1);

    const ledger = createJobLedger({ store: openStore(`sqlite:${file}`) });
    expect(await ledger.verify()()).toMatchObject({ _tag: 'Right', right: { ok: true } });
    const page = await ledger.system.listJobs({ status: 'Claimed', size: 100 })();
    expect(page).toMatchObject({ _tag: 'Right', right: { total: jobs } });
    await ledger.close()();
  }, 90_000);
});
