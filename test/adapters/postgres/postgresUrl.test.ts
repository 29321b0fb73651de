import { describe, expect, it } from 'vitest';
import { parsePostgresUrl } from '../../../src/adapters/postgres/postgresEventStore.js';
import {
  comparePostgresPositions,
  parsePostgresPosition,
} from '../../../src/adapters/postgres/postgresPosition.js';

describe('parsePostgresUrl', () => {
  it('takes the jobledger options out of the query and leaves the connection string to pg', () => {
    expect(
      parsePostgresUrl(
        'postgres://app:s3cret@db.internal:6543/prod?schema=jobs&pool_size=20&statement_timeout=5000&application_name=worker-1&sslmode=require',
      ),
    ).toEqual({
      url: 'postgres://app:s3cret@db.internal:6543/prod?sslmode=require',
      schema: 'jobs',
      poolSize: 20,
      statementTimeoutMs: 5000,
      applicationName: 'worker-1',
    });
    expect(parsePostgresUrl('postgresql://postgres@127.0.0.1/test')).toEqual({
      url: 'postgresql://postgres@127.0.0.1/test',
    });
  });

  it.each([
    ['sqlite:./x.db', /not a Postgres store URL/],
    ['postgres://db/x?pool_size=0', /pool_size=0 .* is not valid; use e\.g\. pool_size=10/],
    ['postgres://db/x?pool_size=ten', /pool_size=ten/],
    ['postgres://db/x?statement_timeout=-1', /statement_timeout=-1/],
    ['postgres://db/x?schema=drop%20table', /schema "drop table" is not usable/],
    ['postgres:///x', /names no host/],
  ])('refuses %s with a one-line message', (url, message) => {
    let thrown: unknown;
    try {
      parsePostgresUrl(url);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('never puts a password in a message', () => {
    expect(() => parsePostgresUrl('postgres://app:s3cret@db/x?pool_size=x')).toThrow(
      /postgres:\/\/app@db\/x/,
    );
    expect(() => parsePostgresUrl('postgres://app:s3cret@db/x?pool_size=x')).not.toThrow(/s3cret/);
  });
});

describe('Postgres positions', () => {
  it('order by transaction id, then sequence number, and reject what is not one', () => {
    const p = (s: string) => parsePostgresPosition(s, 'the store');
    expect(comparePostgresPositions(p('9:100'), p('10:1'))).toBeLessThan(0);
    expect(comparePostgresPositions(p('10:2'), p('10:1'))).toBeGreaterThan(0);
    expect(comparePostgresPositions(p('10:2'), p('10:2'))).toBe(0);
    expect(() => p('12')).toThrow(/"12" is not a position of the store/);
  });
});
