import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../../../src/adapters/sqlite/migrations.js';
import { sqliteEventStore } from '../../../src/adapters/sqlite/sqliteEventStore.js';
import { hashMatches } from '../../../src/domain/hashChain.js';
import type { StoredEvent } from '../../../src/domain/storedEvent.js';
import { tempDatabases } from './tempDatabase.js';

// better-sqlite3 is synchronous: contention between writers only shows with several processes on one file
// (DESIGN section 8). The children run the store bundled to CommonJS by rolldown (vite's bundler, already
// installed with vitest), so they exercise this very source.
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const databases = tempDatabases();
let bundle: string;

const childScript = `
const { sqliteEventStore } = require(process.env.STORE_BUNDLE);
const store = sqliteEventStore({ file: process.env.STORE_FILE, synchronous: 'normal' });
const me = Number(process.env.CHILD);
const commands = Number(process.env.COMMANDS);
const jobs = Number(process.env.JOBS);
(async () => {
  for (let i = 0; i < commands; i += 5) {
    const round = [];
    for (let k = i; k < Math.min(i + 5, commands); k++) {
      const jobId = 'mp-' + ((me + k) % jobs);
      round.push(store.execute('job-' + jobId, (stream) => ({
        _tag: 'Right',
        right: [{ type: 'JobCommentAdded', data: { commentId: 'c-' + me + '-' + k, content: 'after ' + stream.length },
                  metadata: { actor: { kind: 'user', id: 'u-' + me } } }],
      }))());
    }
    for (const r of await Promise.all(round)) if (r._tag !== 'Right') throw new Error(r.left.message);
  }
  await store.close();
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * The schema of a file: its version, its objects, and SQLite's schema cookie, which every schema change counts
 * up: a file migrated twice (even by steps that tolerate running again) has a higher one.
 */
const schemaOf = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return {
      userVersion: db.pragma('user_version', { simple: true }) as number,
      changes: db.pragma('schema_version', { simple: true }) as number,
      objects: db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name').all(),
    };
  } finally {
    db.close();
  }
};

const runChild = (file: string, child: number, commands: number, jobs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', childScript], {
      env: {
        ...process.env,
        NODE_PATH: join(root, 'node_modules'),
        STORE_BUNDLE: bundle,
        STORE_FILE: file,
        CHILD: String(child),
        COMMANDS: String(commands),
        JOBS: String(jobs),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`child ${child} failed: ${stderr}`)),
    );
  });

beforeAll(async () => {
  const { build } = await import('rolldown');
  bundle = databases.file('sqliteEventStore.cjs');
  await build({
    input: join(root, 'src/adapters/sqlite/sqliteEventStore.ts'),
    platform: 'node',
    external: ['better-sqlite3'],
    output: { file: bundle, format: 'cjs' },
    logLevel: 'silent',
  });
}, 60_000);
afterAll(() => databases.cleanup());

describe('several processes on one file', () => {
  it('every command of every process is stored once, streams stay dense and chained, projections agree', async () => {
    const file = databases.file();
    const jobs = 6;
    const children = 4;
    const commands = 60;
    const parent = sqliteEventStore({ file });
    for (let j = 0; j < jobs; j++) {
      const created = await parent.append(
        `job-mp-${j}`,
        [
          {
            type: 'JobCreated',
            data: {
              jobId: `mp-${j}`,
              tenantId: 't1',
              function: { id: 'fn-1' },
              file: { name: 'p.json' },
              statusId: `s-${j}`,
              archiveStatusId: `a-${j}`,
            },
          },
        ],
        { expected: 'no-stream' },
      )();
      expect(created._tag).toBe('Right');
    }
    const expected = jobs + children * commands;
    const controller = new AbortController();
    const seen: StoredEvent[] = [];
    const following = (async () => {
      for await (const e of parent.subscribe({ signal: controller.signal })) {
        seen.push(e);
        if (seen.length === expected) controller.abort();
      }
    })();

    await Promise.all(Array.from({ length: children }, (_, c) => runChild(file, c, commands, jobs)));
    const timer = setTimeout(() => controller.abort(), 10_000);
    await following;
    clearTimeout(timer);

    // The live subscriber saw every event once, in position order, across processes.
    expect(seen.map((e) => e.position)).toEqual(seen.map((_, i) => String(i + 1)));
    const comments = new Set(
      seen
        .filter((e) => e.type === 'JobCommentAdded')
        .map((e) => (e.data as { commentId: string }).commentId),
    );
    expect(comments.size).toBe(children * commands);
    for (let j = 0; j < jobs; j++) {
      const stream: StoredEvent[] = [];
      for await (const e of parent.readStream(`job-mp-${j}`)) stream.push(e);
      expect(stream.map((e) => e.version)).toEqual(stream.map((_, v) => v));
      // Each command saw the stream as it was inside its write transaction.
      expect(stream.slice(1).map((e) => (e.data as { content: string }).content)).toEqual(
        stream.slice(1).map((e) => `after ${e.version}`),
      );
      expect(
        stream.every(
          (e, v) => hashMatches(e) && (v === 0 || e.metadata.prevHash === stream[v - 1]!.metadata.hash),
        ),
      ).toBe(true);
    }
    const incremental = await parent.readModel.dump();
    expect(incremental.checkpoint).toBe(String(expected));
    expect(incremental.jobs.reduce((n, j) => n + j.state.job!.comments.length, 0)).toBe(children * commands);
    await parent.rebuildReadModel();
    expect(await parent.readModel.dump()).toEqual(incremental);
    await parent.close();
  }, 60_000);

  it('processes opening a fresh file at once migrate it once', async () => {
    const file = databases.file();
    await Promise.all(Array.from({ length: 3 }, (_, c) => runChild(file, c, 0, 1)));
    // A file one process alone migrated, for comparison.
    const alone = databases.file();
    await runChild(alone, 0, 0, 1);
    expect(schemaOf(file)).toEqual(schemaOf(alone));
    expect(schemaOf(file).userVersion).toBe(latestSchemaVersion);
  }, 60_000);
});
