import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../../src/adapters/cli/demoCommand.js';
import { formatCount } from '../../../src/adapters/cli/progressBar.js';
import { verifyCommand } from '../../../src/adapters/cli/verifyCommand.js';
import { canonicalJson } from '../../../src/domain/hashChain.js';
import { harness, memoryHarness, oneLineFailure, tempDir } from './cliHarness.js';

const dirs = tempDir();
afterAll(() => dirs.cleanup());

describe('jobledger verify', () => {
  it('says OK with the counts of events and streams when the log is intact', async () => {
    const h = memoryHarness();
    await demoCommand(['--jobs', '30', '--store', 'memory:'], h.io);
    h.clear();
    expect(await verifyCommand(['--store', 'memory:'], h.io)).toBe(0);
    let events = 0;
    for await (const _ of h.store.readAll()) events++;
    expect(h.stdout()).toMatch(new RegExp(`^OK: ${formatCount(events)} events in 30 streams of memory:`));
    expect(h.stderr()).toBe('');
  });

  it('finds one changed byte of a stored event, names its stream and version, and exits 1', async () => {
    const file = dirs.path('tampered.db');
    const url = `sqlite:${file}`;
    const h = harness();
    expect(await demoCommand(['--jobs', '20', '--store', url], h.io)).toBe(0);

    const db = new Database(file);
    const row = db
      .prepare(
        "SELECT position, stream_id, version, data FROM events WHERE type = 'JobStatusChanged' LIMIT 1 OFFSET 7",
      )
      .get() as { position: number; stream_id: string; version: number; data: string };
    const at = row.data.indexOf('"statusId":"') + '"statusId":"'.length;
    const changed = `${row.data.slice(0, at)}${row.data[at] === '0' ? '1' : '0'}${row.data.slice(at + 1)}`;
    expect(changed).not.toBe(row.data);
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(changed, row.position);
    db.close();

    h.clear();
    expect(await verifyCommand(['--store', url], h.io)).toBe(1);
    const problems = h.stdout().trimEnd().split('\n');
    expect(problems[0]).toMatch(/^stream\s+version\s+problem\s+detail$/);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toMatch(new RegExp(`^${row.stream_id}\\s+${row.version}\\s+hash-mismatch\\s+`));
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain(`verify found 1 problem in 1 stream of ${url}`);
  });

  it('keeps events as canonical text, and still verifies a log whose texts have keys in any order', async () => {
    const file = dirs.path('older.db');
    const url = `sqlite:${file}`;
    const h = harness();
    expect(await demoCommand(['--jobs', '10', '--store', url], h.io)).toBe(0);

    // Logs written before the store kept canonical text hold JSON.stringify's text (keys as the object was built).
    const reversed = (value: unknown): unknown =>
      value === null || typeof value !== 'object'
        ? value
        : Array.isArray(value)
          ? value.map(reversed)
          : Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reversed(v)]),
            );
    const db = new Database(file);
    const rows = db.prepare('SELECT position, data, metadata FROM events').all() as {
      position: number;
      data: string;
      metadata: string;
    }[];
    const canonical = (text: string) => text === canonicalJson(JSON.parse(text));
    expect(rows.every((r) => canonical(r.data) && canonical(r.metadata))).toBe(true);
    let rewritten = 0;
    for (const r of rows) {
      const data = JSON.stringify(reversed(JSON.parse(r.data)));
      const metadata = JSON.stringify(reversed(JSON.parse(r.metadata)));
      if (data === r.data) continue;
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(
        data,
        metadata,
        r.position,
      );
      rewritten++;
    }
    db.close();
    expect(rewritten).toBeGreaterThan(rows.length / 2);

    h.clear();
    expect(await verifyCommand(['--store', url], h.io)).toBe(0);
    expect(h.stdout()).toMatch(/^OK: /);
  });
});
