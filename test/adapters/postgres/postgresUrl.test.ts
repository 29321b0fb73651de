import { describe, expect, it } from 'vitest';
import { isConnectionLoss, NotWritableError } from '../../../src/adapters/postgres/connectionLoss.js';
import { parsePostgresUrl } from '../../../src/adapters/postgres/postgresEventStore.js';
import { joinPostgresHosts, splitPostgresHosts } from '../../../src/adapters/postgres/postgresHosts.js';
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

  it('reads several hosts (libpq style), target_session_attrs and failover_timeout', () => {
    expect(
      parsePostgresUrl(
        'postgres://app:pw@db1:5432,db2,[fd00::7]:6432/prod?target_session_attrs=read-write&failover_timeout=10000&schema=jobs&sslmode=require',
      ),
    ).toEqual({
      url: 'postgres://app:pw@db1:5432,db2:5432,[fd00::7]:6432/prod?sslmode=require',
      schema: 'jobs',
      targetSessionAttrs: 'read-write',
      failoverTimeoutMs: 10000,
    });
    // The spelling of the timeout is the same parameter; one host may have it too (a DNS name that moves).
    expect(
      parsePostgresUrl('postgres://app@db/prod?failoverTimeoutMs=5000&target_session_attrs=primary'),
    ).toEqual({
      url: 'postgres://app@db/prod',
      failoverTimeoutMs: 5000,
      targetSessionAttrs: 'primary',
    });
  });

  it.each([
    [
      'postgres://db1,db2/x?target_session_attrs=read-only',
      /target_session_attrs=read-only .* the store writes/,
    ],
    ['postgres://db1,db2/x?target_session_attrs=any', /use target_session_attrs=read-write/],
    [
      'postgres://db1,db2/x?failover_timeout=0',
      /failover_timeout=0 .* is not valid; use e\.g\. failover_timeout=30000/,
    ],
    [
      'postgres://app:pw@db1,db2:port/x',
      /the host "db2:port" in postgres:\/\/db1,db2:port is not host\[:port\]/,
    ],
    ['postgres://db1,,db2/x', /the host "" /],
  ])('refuses %s with a one-line message', (url, message) => {
    expect(() => parsePostgresUrl(url)).toThrow(message);
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

describe('Postgres host lists', () => {
  it('split a URL per host and join it back; an ordinary URL is one host and comes back unchanged', () => {
    const list = splitPostgresHosts('postgresql://u:p@h1,h2:6000/db?sslmode=require');
    expect(list.hosts).toEqual([
      { host: 'h1', port: 5432 },
      { host: 'h2', port: 6000 },
    ]);
    expect(list.urlFor(list.hosts[1]!)).toBe('postgresql://u:p@h2:6000/db?sslmode=require');
    expect(joinPostgresHosts('postgresql://u:p@h1:5432/db', list.hosts)).toBe(
      'postgresql://u:p@h1:5432,h2:6000/db',
    );
    const one = splitPostgresHosts('postgres://u@[::1]:5433/db');
    expect(one.hosts).toEqual([{ host: '::1', port: 5433 }]);
    expect(one.urlFor(one.hosts[0]!)).toBe('postgres://u@[::1]:5433/db');
  });
});

describe('connection loss', () => {
  it('is a broken socket, a server that went away or a standby refusing a write; not an error about the statement', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code });
    for (const lost of [
      '08006',
      '08001',
      '57P01',
      '57P02',
      '57P03',
      '25006',
      'ECONNREFUSED',
      'ECONNRESET',
      'EPIPE',
    ])
      expect(isConnectionLoss(coded(lost)), lost).toBe(true);
    expect(isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLoss(new Error('Connection terminated due to connection timeout'))).toBe(true);
    expect(isConnectionLoss(new NotWritableError('db2:5432', 'a standby (in recovery)', 'read-write'))).toBe(
      true,
    );
    for (const final of ['23505', '57014', '40001', '42P01', '22P02'])
      expect(isConnectionLoss(coded(final)), final).toBe(false);
    expect(isConnectionLoss(new Error('syntax error'))).toBe(false);
    expect(isConnectionLoss('a string')).toBe(false);
  });
});
