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
import { compiledPackage } from '../../support/compiledPackage.js';

// better-sqlite3 is synchronous, so crashes and claim races only show across processes (DESIGN section 8).
// The children run the compiled package, as users do.
const compiled = compiledPackage;
const dir = mkdtempSync(join(tmpdir(), 'jobledger-processes-'));
let entry: string;

beforeAll(async () => {
  await compiled.build();
  entry = pathToFileURL(join(compiled.dist, 'index.js')).href;
}, 180_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `script` (ESM, with `jobledger` bound to the compiled entry) and collects stdout lines as they come;
 * `printed(holds)` resolves once the lines so far satisfy `holds`, and fails when the child exits before.
 */
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
    await writer.printed((lines) => lines.length >= 40);
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

    // Each process says 'ready' once warm, then 'first' once each of its agents claimed a job, and waits for
    // the word each time: every process takes part in the race (however the OS schedules them), and the rest
    // of the jobs go to whoever is fastest.
    const racers = [0, 1, 2].map((p) =>
      child(
        `const ledger = jobledger.createJobLedger({ store: jobledger.openStore('sqlite:' + process.env.FILE) });
         const word = () => new Promise((r) => process.stdin.once('data', r));
         const warm = await ledger.system.listJobs({ size: 1 })();
         if (warm._tag !== 'Right') { console.error(warm.left.message); process.exit(3); }
         const go = word();
         console.log('ready');
         await go;
         let firsts = 0;
         let onFirst;
         const allFirst = new Promise((r) => (onFirst = r));
         const goOn = word();
         await Promise.all([0, 1].map(async (a) => {
           const agent = ledger.as({ kind: 'agent', id: 'agent-' + process.env.P + '-' + a, tenantId: 't1' });
           for (let n = 0; ; n++) {
             const r = await agent.getJobForAgent()();
             if (r._tag !== 'Right') { console.error(r.left.message); process.exit(3); }
             if (!('id' in r.right)) return;
             console.log(r.right.id);
             if (n === 0) {
               if (++firsts === 2) { console.log('first'); onFirst(); }
               await allFirst;
               await goOn;
             }
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
    const allSaid = (word: string) =>
      Promise.all(racers.map((r) => r.printed((lines) => lines.includes(word))));
    await allSaid('ready');
    for (const r of racers) r.proc.stdin!.write('go\n');
    await allSaid('first');
    for (const r of racers) r.proc.stdin!.end('on\n');
    const codes = await Promise.all(racers.map((r) => r.exited));
    expect(codes, racers.map((r) => r.stderr()).join('\n')).toEqual([0, 0, 0]);
    const claimedBy = racers.map((r) =>
      r.lines.filter((l) => l.length > 0 && l !== 'ready' && l !== 'first'),
    );
    const claimed = claimedBy.flat();
    expect(claimed.sort()).toEqual([...ids].sort());
    // Every process claimed (its agents' first jobs, before the word to go on).
    expect(
      claimedBy.map((lines) => lines.length >= 2),
      `claims per process: ${claimedBy.map((lines) => lines.length).join(', ')}`,
    ).toEqual([true, true, true]);

    const ledger = createJobLedger({ store: openStore(`sqlite:${file}`) });
    expect(await ledger.verify()()).toMatchObject({ _tag: 'Right', right: { ok: true } });
    const page = await ledger.system.listJobs({ status: 'Claimed', size: 100 })();
    expect(page).toMatchObject({ _tag: 'Right', right: { total: jobs } });
    await ledger.close()();
  }, 90_000);
});
