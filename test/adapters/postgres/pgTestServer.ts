import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import {
  postgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from '../../../src/adapters/postgres/postgresEventStore.js';

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

/** Why no server answers, or undefined when one does. */
const unavailable = await probe();

/**
 * `describe` for tests that need the Postgres server. When none answers they are skipped with a notice on
 * stderr, except under `CI=true`, where that is a failing test.
 */
export const describePg = (name: string, body: () => void): void => {
  if (unavailable === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs the Postgres server', () => {
        throw new Error(`no Postgres server at ${pgUrl} (${unavailable}); CI must run one (see .ci/run)`);
      });
    });
  } else {
    console.warn(
      `SKIPPED Postgres tests "${name}": no server at ${pgUrl} (${unavailable}); set JOBLEDGER_PG_URL to run them`,
    );
    describe.skip(name, body);
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
