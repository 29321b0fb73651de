import { describe, expect, it } from 'vitest';
import { parseKurrentdbUrl } from '../../../src/adapters/kurrentdb/kurrentdbUrl.js';

describe('parseKurrentdbUrl', () => {
  it('keeps client parameters and takes projections out', () => {
    expect(parseKurrentdbUrl('kurrentdb://host:2113?tls=false&projections=sqlite:./views.db')).toEqual({
      connectionString: 'kurrentdb://host:2113?tls=false',
      projections: 'sqlite:./views.db',
      description: 'kurrentdb://host:2113?tls=false&projections=sqlite:./views.db',
    });
    expect(parseKurrentdbUrl('kurrentdb://host:2113?tls=false').projections).toBeUndefined();
  });
  it('accepts discover and esdb schemes and encoded postgres projections', () => {
    expect(parseKurrentdbUrl('kurrentdb+discover://a:2113,b:2113?tls=false').connectionString).toBe(
      'kurrentdb+discover://a:2113,b:2113?tls=false',
    );
    expect(parseKurrentdbUrl('esdb://h:2113').connectionString).toBe('esdb://h:2113');
    expect(
      parseKurrentdbUrl(`kurrentdb://h:2113?projections=${encodeURIComponent('postgres://u@db/x')}`)
        .projections,
    ).toBe('postgres://u@db/x');
  });
  it('hides credentials in the description', () => {
    expect(parseKurrentdbUrl('kurrentdb://admin:changeit@h:2113?tls=false').description).toBe(
      'kurrentdb://***@h:2113?tls=false',
    );
  });
  it('refuses other schemes, a missing host and a projection store that is not SQL, saying what to write', () => {
    expect(() => parseKurrentdbUrl('http://h:2113')).toThrow(
      /not a KurrentDB store URL.*kurrentdb:\/\/host:2113/,
    );
    expect(() => parseKurrentdbUrl('kurrentdb://')).toThrow(/names no host/);
    expect(() => parseKurrentdbUrl('kurrentdb://h?projections=memory:')).toThrow(
      /give sqlite:<file> or postgres/,
    );
  });
});
