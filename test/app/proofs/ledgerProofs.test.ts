import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { sqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import type { EventStore } from '../../../src/domain/EventStore.js';
import { eventHash } from '../../../src/domain/hashChain.js';
import { checkConsistencyProof } from '../../../src/domain/proofs/consistencyProof.js';
import { checkJobProof } from '../../../src/domain/proofs/jobProof.js';
import { describePg, freshSchema, pgStores, sql } from '../../adapters/postgres/pgTestServer.js';
import { err, ok, testLedger } from '../support.js';

const keys = generateKeyPairSync('ed25519');
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const dir = mkdtempSync(join(tmpdir(), 'jobledger-proofs-'));
const pg = pgStores();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pg.cleanup();
});

/** Three jobs, one run to Completed, digests before and after more work: every proof checks offline. */
const provesOn = (name: string, open: () => EventStore) =>
  it(`${name}: job and consistency proofs check offline`, async () => {
    const t = testLedger(open(), { signingKey: keys.privateKey });
    const fn = { function: { id: 'fn-1' }, file: { name: 'params.json' } };
    const done = await ok(t.alice.createJob(fn));
    const other = await ok(t.alice.createJob(fn));
    await ok(t.agent.getJobForAgent({}));
    await ok(t.agent.updateStatus(done.id, { status: 'Running' }));
    await ok(t.agent.updateStatus(done.id, { status: 'Completed' }));
    const first = await ok(t.ledger.digest());
    await ok(t.alice.addComment(other.id, { content: 'after the first digest' }));
    await ok(t.alice.createJob(fn));
    const second = await ok(t.ledger.digest());
    expect(second.treeSize).toBeGreaterThan(first.treeSize);

    const proof = await ok(t.ledger.proveJob(done.id, first));
    const checked = checkJobProof(JSON.parse(JSON.stringify(proof)), publicPem);
    expect(checked).toEqual(
      E.right(expect.objectContaining({ jobId: done.id, status: 'Completed', treeSize: first.treeSize })),
    );
    // Against the old digest, the comment added later is not part of the proof.
    const otherOld = await ok(t.ledger.proveJob(other.id, first));
    const otherNew = await ok(t.ledger.proveJob(other.id, second));
    expect(otherNew.events.length).toBe(otherOld.events.length + 1);
    expect(E.isRight(checkJobProof(otherOld, publicPem))).toBe(true);
    expect(E.isRight(checkJobProof(otherNew, publicPem))).toBe(true);

    const consistency = await ok(t.ledger.proveConsistency(first, second));
    expect(E.isRight(checkConsistencyProof(JSON.parse(JSON.stringify(consistency)), publicPem))).toBe(true);
    expect((await err(t.ledger.proveConsistency(second, first)))._tag).toBe('ValidationError');
    expect((await err(t.ledger.proveJob('no-such-job', first)))._tag).toBe('NotFound');
    // A digest with a changed root is refused before anything is proven.
    const forged = { ...first, rootHash: second.rootHash };
    expect((await err(t.ledger.proveJob(done.id, forged)))._tag).toBe('ValidationError');

    // rebuildProjections rebuilds the tree: the same digest still proves.
    await ok(t.ledger.rebuildProjections());
    expect(E.isRight(checkJobProof(await ok(t.ledger.proveJob(done.id, first)), publicPem))).toBe(true);
    expect((await ok(t.ledger.verify({ digest: second }))).ok).toBe(true);
    await ok(t.ledger.close());
  });

describe('audit proofs from every store', () => {
  provesOn('memory', () => memoryEventStore());
  provesOn('sqlite', () => sqliteEventStore({ file: join(dir, 'proofs.db') }));
});
describePg('audit proofs from Postgres', () => {
  provesOn('postgres', () => pg.open(freshSchema('proofs')));
});

/**
 * A ledger signs a digest and closes; the store kept the leaves (`count` them, `damage` leaf 0). The next ledger
 * loads them instead of re-reading the log — so the damaged leaf makes its proofs disagree with the digest — and
 * rebuildProjections rebuilds them from the intact events.
 */
const keptTree = (open: () => EventStore, count: () => Promise<number>, damage: () => Promise<void>) =>
  it('is loaded by the next ledger instead of re-read from the log, and rebuilt by rebuildProjections', async () => {
    const first = testLedger(open(), { signingKey: keys.privateKey });
    const job = await ok(first.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } }));
    await ok(first.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'other.json' } }));
    const digest = await ok(first.ledger.digest());
    await ok(first.ledger.close());
    expect(await count()).toBe(digest.treeSize);
    await damage();

    const second = testLedger(open(), { signingKey: keys.privateKey });
    expect((await err(second.ledger.proveJob(job.id, digest)))._tag).toBe('Conflict');
    await ok(second.ledger.rebuildProjections());
    expect(E.isRight(checkJobProof(await ok(second.ledger.proveJob(job.id, digest)), publicPem))).toBe(true);
    await ok(second.ledger.close());
  });

describe('the tree kept in a SQLite file', () => {
  const file = join(dir, 'kept.db');
  const onFile = <T>(f: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return f(db);
    } finally {
      db.close();
    }
  };
  keptTree(
    () => sqliteEventStore({ file }),
    async () =>
      onFile((db) => (db.prepare('SELECT count(*) AS n FROM merkle_leaves').get() as { n: number }).n),
    async () => {
      onFile((db) =>
        db.prepare('UPDATE merkle_leaves SET leaf_hash = zeroblob(32) WHERE leaf_index = 0').run(),
      );
    },
  );
});

describePg('the tree kept in a Postgres schema', () => {
  const schema = freshSchema('kept');
  keptTree(
    () => pg.open(schema),
    async () =>
      Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".merkle_leaves`))[0]!.n),
    async () => {
      await sql(`UPDATE "${schema}".merkle_leaves SET leaf_hash = '\\x00' WHERE leaf_index = 0`);
    },
  );
});

describe('a ledger without a signing key', () => {
  it('refuses to sign a digest and says how to get a key', async () => {
    const t = testLedger();
    const e = await err(t.ledger.digest());
    expect(e._tag).toBe('ValidationError');
    expect(e.message).toMatch(/jobledger keygen/);
  });

  it('refuses a signing key that is not Ed25519 when the ledger is created', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => testLedger(memoryEventStore(), { signingKey: rsa })).toThrow(/not Ed25519/);
  });
});

describe('verify with a digest', () => {
  it('detects a job stream rewritten consistently (every hash redone) that the chain check passes', async () => {
    const file = join(dir, 'rewritten.db');
    const t = testLedger(sqliteEventStore({ file }), { signingKey: keys.privateKey });
    const job = await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'params.json' } }));
    await ok(t.alice.createJob({ function: { id: 'fn-2' }, file: { name: 'other.json' } }));
    const digest = await ok(t.ledger.digest());
    await ok(t.ledger.close());

    // Rewrite the first job's stream: change its file name and redo the whole chain.
    const db = new Database(file);
    const rows = db
      .prepare(
        'SELECT position, stream_id, version, event_id, type, schema_version, data, metadata FROM events WHERE stream_id = ? ORDER BY version',
      )
      .all(`job-${job.id}`) as {
      position: number;
      stream_id: string;
      version: number;
      event_id: string;
      type: string;
      schema_version: number;
      data: string;
      metadata: string;
    }[];
    let prevHash = '';
    for (const row of rows) {
      const data = JSON.parse(row.data.replace('params.json', 'forged.json')) as unknown;
      const { hash: _old, ...meta } = JSON.parse(row.metadata) as Record<string, unknown>;
      const metadata = { ...meta, prevHash } as never;
      const hash = eventHash({
        eventId: row.event_id,
        streamId: row.stream_id,
        version: row.version,
        type: row.type,
        schemaVersion: row.schema_version,
        data,
        metadata,
      });
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(
        JSON.stringify(data),
        JSON.stringify({ ...(metadata as object), hash }),
        row.position,
      );
      prevHash = hash;
    }
    db.close();

    const again = testLedger(sqliteEventStore({ file }), { signingKey: keys.privateKey });
    expect((await ok(again.ledger.verify())).ok).toBe(true);
    const report = await ok(again.ledger.verify({ digest, publicKey: publicPem }));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ streamId: '$all', kind: 'digest-mismatch', version: digest.treeSize }),
    ]);
    // The proof of the rewritten stream no longer leads to the signed root.
    const proof = checkJobProof(await ok(again.ledger.proveJob(job.id, digest)), publicPem);
    expect(E.isLeft(proof) && proof.left.kind).toBe('inclusion');
    await ok(again.ledger.close());
  });
});
