import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { OptionalService } from '../../support/optionalService.js';

/**
 * A primary and a streaming standby made from Debian's PostgreSQL server binaries, for the failover tests: data in
 * a temporary directory, loopback ports that were free at start, run as the `postgres` user when the tests run as
 * root (a server never runs as root). The primary waits for the standby on every commit
 * (`synchronous_standby_names`), so an acknowledged commit is on both.
 */

const binDir = (): string | undefined => {
  const fromEnv = process.env.JOBLEDGER_PG_BIN;
  const candidates = fromEnv
    ? [fromEnv]
    : existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : [];
  return candidates.find((dir) =>
    ['initdb', 'pg_ctl', 'pg_basebackup'].every((tool) => existsSync(join(dir, tool))),
  );
};

const bin = binDir();
const asRoot = process.getuid?.() === 0;
const postgresUser = (): { uid: number; gid: number } | undefined => {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return uid.status === 0 && gid.status === 0
    ? { uid: Number(uid.stdout), gid: Number(gid.stdout) }
    : undefined;
};
const owner = asRoot ? postgresUser() : undefined;
/** The server binaries, as an optional service: without them the failover tests are skipped (CI: failed). */
export const postgresServerBinaries: OptionalService = {
  missing:
    bin === undefined
      ? 'no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql/*/bin'
      : asRoot && owner === undefined
        ? 'running as root, and no postgres user to run the servers as'
        : undefined,
  toRun:
    'install them with apt-get install -y postgresql-15 (.ci/run does), or set JOBLEDGER_PG_BIN to their bin directory',
};

/** Runs one of the server binaries (as `postgres` when we are root); rejects with its output when it fails. */
const run = (tool: string, args: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    const command = asRoot ? 'runuser' : join(bin!, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin!, tool), ...args] : [...args];
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${tool} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });

/** Runs one statement on the server at `port` with a short-lived connection. */
export const query = async <R extends pg.QueryResultRow>(
  port: number,
  text: string,
  values: unknown[] = [],
): Promise<R[]> => {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** The pair, running. */
export interface ReplicatedPair {
  readonly primaryPort: number;
  readonly standbyPort: number;
  /** `postgres://postgres@127.0.0.1:<primary>,127.0.0.1:<standby>/postgres?<params>` */
  multiHostUrl(params?: string): string;
  /** A URL naming one of the two. */
  urlOf(port: number): string;
  /** SIGKILLs the primary's postmaster and every process of it at once (a machine that died); returns when. */
  killPrimary(): number;
  /** `pg_ctl promote` on the standby, waiting until it takes writes. */
  promoteStandby(): Promise<void>;
  /** Stops the standby (fast shutdown): the primary's commits then wait for it. */
  stopStandby(): Promise<void>;
  /** Starts the standby again and waits until it is synchronous. */
  startStandby(): Promise<void>;
  /** Stops whatever still runs and removes the data (also after a failed test). */
  destroy(): Promise<void>;
  /** The servers' logs, for a failing test's message. */
  logs(): string;
}

/** The process and its children, from /proc (the backends of a postmaster are its children). */
const processTree = (pid: number): number[] => {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return [pid, ...children];
};

const postmasterPid = (dataDir: string): number | undefined => {
  try {
    return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
};

/** Creates and starts the pair (about 2 s). */
export const startReplicatedPair = async (): Promise<ReplicatedPair> => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-failover-'));
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const primary = join(dir, 'primary');
  const standby = join(dir, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const settings = [
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=${dir}`,
    `-c shared_buffers=32MB`,
    // A standby whose primary is gone tries again soon, so that a promotion is not held up by its retry pause.
    `-c wal_retrieve_retry_interval=100ms`,
  ].join(' ');
  const startStandbyServer = () =>
    run('pg_ctl', [
      '-D',
      standby,
      '-l',
      join(dir, 'standby.log'),
      '-w',
      '-o',
      `-p ${standbyPort} ${settings}`,
      'start',
    ]);
  // Synchronous before a test goes on: until then the primary's commits would wait for it anyway.
  const waitUntilSynchronous = async (): Promise<void> => {
    for (let i = 0; ; i++) {
      const rows = await query<{ sync_state: string }>(
        primaryPort,
        `SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'`,
      );
      if (rows[0]?.sync_state === 'sync') return;
      if (i > 200) throw new Error('the standby did not become synchronous within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const pair: ReplicatedPair = {
    primaryPort,
    standbyPort,
    multiHostUrl: (params = '') =>
      `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/postgres${params === '' ? '' : `?${params}`}`,
    urlOf: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`,
    killPrimary() {
      const pid = postmasterPid(primary);
      if (pid === undefined) throw new Error('the primary is not running');
      const tree = processTree(pid);
      const at = Date.now();
      for (const p of tree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      return at;
    },
    async promoteStandby() {
      await run('pg_ctl', ['-D', standby, '-w', '-t', '30', 'promote']);
    },
    async stopStandby() {
      await run('pg_ctl', ['-D', standby, '-m', 'fast', '-w', 'stop']);
    },
    async startStandby() {
      await startStandbyServer();
      await waitUntilSynchronous();
    },
    async destroy() {
      for (const data of [primary, standby]) {
        const pid = postmasterPid(data);
        if (pid === undefined) continue;
        await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {
          for (const p of processTree(pid)) {
            try {
              process.kill(p, 'SIGKILL');
            } catch {
              // Already gone.
            }
          }
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
    logs: () =>
      ['primary', 'standby']
        .map((name) => {
          try {
            return `--- ${name}.log\n${readFileSync(join(dir, `${name}.log`), 'utf8').slice(-4000)}`;
          } catch {
            return `--- ${name}.log: none`;
          }
        })
        .join('\n'),
  };
  try {
    await run('initdb', ['-D', primary, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
    await run('pg_ctl', [
      '-D',
      primary,
      '-l',
      join(dir, 'primary.log'),
      '-w',
      '-o',
      `-p ${primaryPort} ${settings} -c synchronous_standby_names=standby`,
      'start',
    ]);
    await run('pg_basebackup', [
      '-d',
      `host=127.0.0.1 port=${primaryPort} user=postgres application_name=standby`,
      '-D',
      standby,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    await startStandbyServer();
    await waitUntilSynchronous();
    return pair;
  } catch (error) {
    const logs = pair.logs();
    await pair.destroy();
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }
};
