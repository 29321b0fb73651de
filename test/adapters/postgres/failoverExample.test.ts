import { afterAll, expect, it } from 'vitest';
import { exampleAsShown, readmeCodeUnder } from '../../support/readmeExample.js';
import { postgresFailover } from '../../../examples/postgresFailover.js';
import { describePg, dropSchema, freshSchema, pgUrl } from './pgTestServer.js';
import { joinPostgresHosts, splitPostgresHosts } from '../../../src/adapters/postgres/postgresHosts.js';

describePg('the README’s Postgres failover example', () => {
  const schema = freshSchema('failover_example');
  afterAll(() => dropSchema(schema));

  it('finds the writable host when the first one named is down, and creates the job there', async () => {
    const [server] = splitPostgresHosts(pgUrl).hosts;
    // Nothing listens on port 1: the first host of the list is "down"; the second is the test server.
    const url = joinPostgresHosts(pgUrl, [{ host: '127.0.0.1', port: 1 }, server!]);
    const sep = url.includes('?') ? '&' : '?';
    expect(
      await postgresFailover(
        `${url}${sep}target_session_attrs=read-write&failover_timeout=5000&schema=${schema}`,
      ),
    ).toBe('Pending');
  });

  it('is the code shown in the README', () => {
    expect(readmeCodeUnder('### Postgres failover')).toBe(
      exampleAsShown('postgresFailover.ts', '  return ', {
        'const ledger =':
          "const url = 'postgres://app@db1:5432,db2:5432/jobs?target_session_attrs=read-write&failover_timeout=30000';\n  const ledger =",
      }),
    );
  });
});
