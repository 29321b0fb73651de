import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  postgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from '../../../src/adapters/postgres/postgresEventStore.js';
import { redactPostgresUrl } from '../../../src/adapters/postgres/postgresUrl.js';
import { describeWith, type OptionalService } from '../../support/optionalService.js';

/** The server the Postgres tests use (DESIGN section 7). */
export const pgUrl = process.env.JOBLEDGER_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const probe = async (): Promise<string | undefined> => {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** The Postgres server, as an optional service: why no server answers, or undefined when one does. */
export const postgresServer: OptionalService = {
  missing: await probe().then((why) =>
    why === undefined ? undefined : `no Postgres server at ${redactPostgresUrl(pgUrl)}: ${why}`,
  ),
  toRun: 'start one (see DEVELOPERS.md) or set JOBLEDGER_PG_URL',
};

/**
 * `describe` for tests that need the Postgres server. When none answers they are skipped with a notice on
 * stderr, except under `CI=true`, where that is a failing test.
 */
export const describePg = (name: string, body: () => void): void => describeWith(postgresServer, name, body);

/**
 * Waits until `condition` holds, checking every 10 ms; fails naming `what` after `ms`. For conditions only the
 * database can tell (a connection in pg_stat_activity), or that a callback sets; never a stand-in for a signal.
 */
export const waitFor = async (
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms: number,
): Promise<void> => {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** A schema name of its own for one test file or test. */
export const freshSchema = (label: string): string =>
  `jl_${label.replace(/[^a-z0-9_]/gi, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;

/** Runs one statement on the test server with a short-lived connection. */
export const sql = async <R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> => {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
};

/** Drops a test schema and everything in it. */
export const dropSchema = async (schema: string): Promise<void> => {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
};

/**
 * Opens stores on test schemas and closes them (and drops the schemas) in `cleanup`, so a failing test leaves
 * nothing behind.
 */
export const pgStores = () => {
  const stores: PostgresEventStore[] = [];
  const schemas = new Set<string>();
  return {
    open(schema: string, options: Partial<PostgresEventStoreOptions> = {}): PostgresEventStore {
      schemas.add(schema);
      const store = postgresEventStore({ url: pgUrl, schema, poolSize: 4, ...options });
      stores.push(store);
      return store;
    },
    async cleanup(): Promise<void> {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      for (const schema of schemas) await dropSchema(schema);
      schemas.clear();
    },
  };
};
