import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/adapters/openStore.js';
import { runCli } from '../../../src/adapters/cli/runCli.js';
import { harness, oneLineFailure, tempDir } from './cliHarness.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

/** Runs the bin in-process; answers the exit code and the output. */
const run = async (...argv: string[]) => {
  const h = harness();
  const code = await runCli(argv, h.io);
  return { code, stdout: h.stdout(), stderr: h.stderr() };
};

describe('jobledger keygen, digest, prove, check-proof', () => {
  it('proves a job of a SQLite ledger and checks the proof offline; a changed proof fails, named', async () => {
    const url = `sqlite:${dirs.path('ledger.db')}`;
    const prefix = dirs.path('ledger');
    const kg = await run('keygen', '--out', prefix);
    expect(kg.code).toBe(0);
    expect(kg.stdout).toMatch(/key id [0-9a-f]{32}/);
    expect(statSync(`${prefix}.key`).mode & 0o077).toBe(0);
    const again = await run('keygen', '--out', prefix);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(oneLineFailure);

    expect((await run('demo', '--jobs', '6', '--store', url)).code).toBe(0);
    const noKey = await run('digest', '--store', url);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('JOBLEDGER_SIGNING_KEY_FILE');

    const digest = await run('digest', '--store', url, '--signing-key', `${prefix}.key`);
    expect(digest.code).toBe(0);
    const digestFile = dirs.path('digest.json');
    writeFileSync(digestFile, digest.stdout);

    const store = openStore(url);
    let jobId = '';
    for await (const e of store.readAll()) {
      jobId = e.streamId.slice('job-'.length);
      break;
    }
    await store.close();

    const prove = await run('prove', jobId, '--store', url, '--digest', digestFile);
    expect(prove.code).toBe(0);
    const proofFile = dirs.path('proof.json');
    writeFileSync(proofFile, prove.stdout);

    const checked = await run('check-proof', proofFile, '--key', `${prefix}.pub`, '--digest', digestFile);
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(new RegExp(`^OK: job ${jobId}: \\d+ events proven against digest \\d+`));

    const proof = JSON.parse(prove.stdout);
    proof.events[0].event.data.file.name = 'forged.json';
    const forged = dirs.path('forged.json');
    writeFileSync(forged, JSON.stringify(proof));
    const bad = await run('check-proof', forged, '--key', `${prefix}.pub`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(oneLineFailure);
    expect(bad.stderr).toContain('event-hash');

    // A later digest is another tree: the proof is not against it.
    expect((await run('demo', '--jobs', '1', '--store', url)).code).toBe(0);
    const later = dirs.path('later.json');
    writeFileSync(later, (await run('digest', '--store', url, '--signing-key', `${prefix}.key`)).stdout);
    const mismatch = await run('check-proof', proofFile, '--key', `${prefix}.pub`, '--digest', later);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('digest-mismatch');

    // The old digest still covers a prefix of the grown log.
    const verified = await run('verify', '--store', url, '--digest', digestFile, '--key', `${prefix}.pub`);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`have the signed root of ${digestFile}`);

    // Change the first event's recorded hash (its leaf): the digest check names the whole log.
    const db = new Database(dirs.path('ledger.db'));
    db.prepare("UPDATE events SET metadata = json_set(metadata, '$.hash', ?) WHERE position = 1").run(
      '0'.repeat(64),
    );
    db.close();
    const rewritten = await run('verify', '--store', url, '--digest', digestFile, '--key', `${prefix}.pub`);
    expect(rewritten.code).toBe(1);
    expect(rewritten.stdout).toMatch(/\$all\s+\d+\s+digest-mismatch/);
  });

  it('refuses a missing key file and a proof that is not JSON with one line each', async () => {
    const notJson = dirs.path('not.json');
    writeFileSync(notJson, 'hello');
    const noKey = await run('check-proof', notJson, '--key', dirs.path('missing.pub'));
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(oneLineFailure);
    expect(noKey.stderr).toContain('cannot read public key');
    const prefix = dirs.path('k2');
    await run('keygen', '--out', prefix);
    expect(existsSync(`${prefix}.pub`)).toBe(true);
    const bad = await run('check-proof', notJson, '--key', `${prefix}.pub`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not JSON');
    expect(readFileSync(`${prefix}.pub`, 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
  });
});
