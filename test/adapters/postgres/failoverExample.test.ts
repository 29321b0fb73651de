import { afterAll, expect, it } from 'vitest';
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
    ).toEqual({
      _tag: 'Right',
      right: 'Pending',
    });
  });
});
