import { describe, expect, it } from 'vitest';
import { parseSqliteUrl } from '../../../src/adapters/sqlite/sqliteEventStore.js';

describe('parseSqliteUrl', () => {
  it('reads a file, options and the in-memory database', () => {
    expect(parseSqliteUrl('sqlite:./jobledger.db')).toEqual({ file: './jobledger.db' });
    expect(parseSqliteUrl('sqlite:/var/lib/j.db?synchronous=normal')).toEqual({
      file: '/var/lib/j.db',
      synchronous: 'normal',
    });
    expect(parseSqliteUrl('sqlite:j.db?synchronous=FULL&busy_timeout=250')).toEqual({
      file: 'j.db',
      synchronous: 'full',
      busyTimeoutMs: 250,
    });
    expect(parseSqliteUrl('sqlite::memory:')).toEqual({ file: ':memory:' });
    expect(parseSqliteUrl('sqlite:///tmp/j.db')).toEqual({ file: '/tmp/j.db' });
  });

  it.each([
    ['postgres://x', /not a SQLite store URL/],
    ['sqlite:', /names no file/],
    ['sqlite:?synchronous=normal', /names no file/],
    ['sqlite:j.db?synchronous=off', /use synchronous=full or synchronous=normal/],
    ['sqlite:j.db?busy_timeout=soon', /not a number of milliseconds/],
    ['sqlite:j.db?journal=delete', /unknown option journal/],
  ])('refuses %s with one line saying what to do', (url, message) => {
    expect(() => parseSqliteUrl(url)).toThrow(message);
    try {
      parseSqliteUrl(url);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
