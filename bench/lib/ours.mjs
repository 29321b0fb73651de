// Loads jobledger from the parent package's built dist/ and opens its SQLite store. Anything missing raises a
// `Missing` error whose message says what to build or which export is absent, so one section fails alone.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = path.join(repoRoot, 'dist');

/** Something of jobledger this benchmark needs is not there (yet). */
export class Missing extends Error {
  constructor(message) {
    super(message);
    this.name = 'Missing';
  }
}

let cached;

/** The module `dist/index.js`, or a Missing error telling how to build it. */
export const loadJobledger = async () => {
  if (cached !== undefined) return cached;
  const index = path.join(dist, 'index.js');
  if (!fs.existsSync(index)) {
    throw new Missing(
      `${path.relative(process.cwd(), index)} does not exist: run \`npm run build\` in ${repoRoot}`,
    );
  }
  cached = await import(pathToFileURL(index).href);
  return cached;
};

/** Warns when some file under src/ is newer than dist/index.js (the numbers would be of old code). */
export const staleDistWarning = () => {
  const index = path.join(dist, 'index.js');
  if (!fs.existsSync(index)) return undefined;
  const built = fs.statSync(index).mtimeMs;
  let newest = { file: undefined, mtime: 0 };
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts')) {
        const m = fs.statSync(p).mtimeMs;
        if (m > newest.mtime) newest = { file: p, mtime: m };
      }
    }
  };
  const src = path.join(repoRoot, 'src');
  if (fs.existsSync(src)) walk(src);
  return newest.mtime > built
    ? `dist/ is older than ${path.relative(repoRoot, newest.file)}: run \`npm run build\` for current numbers`
    : undefined;
};

/** Requires named exports of the jobledger module. */
export const need = (mod, ...names) => {
  const absent = names.filter((n) => mod[n] === undefined);
  if (absent.length > 0) throw new Missing(`dist/index.js does not export ${absent.join(', ')} yet`);
  return mod;
};

/**
 * Opens jobledger's SQLite store on `file` with `synchronous` ('full' | 'normal'): through
 * `openStore('sqlite:<file>?synchronous=…')` when openStore knows the scheme, else through
 * `sqliteEventStore({ file, synchronous })` from dist/adapters/sqlite/sqliteEventStore.js.
 */
export const openSqliteStore = async (file, synchronous) => {
  const mod = await loadJobledger();
  let openStoreError;
  if (typeof mod.openStore === 'function') {
    try {
      return mod.openStore(`sqlite:${file}?synchronous=${synchronous}`);
    } catch (error) {
      openStoreError = error instanceof Error ? error.message : String(error);
    }
  }
  const adapter = path.join(dist, 'adapters', 'sqlite', 'sqliteEventStore.js');
  if (fs.existsSync(adapter)) {
    const { sqliteEventStore } = await import(pathToFileURL(adapter).href);
    if (typeof sqliteEventStore === 'function') return sqliteEventStore({ file, synchronous });
  }
  throw new Missing(
    `jobledger has no SQLite store yet (openStore: ${openStoreError ?? 'not exported'}; ` +
      `dist/adapters/sqlite/sqliteEventStore.js: ${fs.existsSync(adapter) ? 'no sqliteEventStore export' : 'absent'})`,
  );
};

/** Unwraps an fp-ts Either, throwing its Left with a readable message. */
export const right = (either, what) => {
  if (either && either._tag === 'Right') return either.right;
  const left = either?.left;
  const message = left?.message ?? left?._tag ?? JSON.stringify(left);
  throw new Error(`${what}: ${left?._tag ?? 'Left'}: ${message}`);
};

export const alice = { kind: 'user', id: 'u-alice', tenantId: 't1' };
export const aliceAdmin = { kind: 'user', id: 'u-admin', tenantId: 't1', roles: ['administrator'] };
export const agent7 = { kind: 'agent', id: 'agent-7', tenantId: 't1' };
export const smallestJob = { function: { id: 'fn-1' }, file: { name: 'params.json' } };

/**
 * Real event templates: runs job lifecycles through a ledger on `memory:` and returns each job's events as the
 * ledger wrote them (type, schemaVersion, data, metadata.actor/recordedAt). Ids come from a counter so that
 * `instantiate` can give each seeded job its own ids by text replacement.
 *  - `submitted`: createJob (JobCreated + JobStatusChanged Created->Pending), what a default createJob writes;
 *  - `completed`: created, claimed by an agent, Running, Completed (a whole lifecycle).
 */
export const eventTemplates = async () => {
  const mod = need(await loadJobledger(), 'createJobLedger', 'openStore');
  let n = 0;
  const ledger = mod.createJobLedger({
    store: mod.openStore('memory:'),
    ids: () => `@ID${n++}@`,
    clock: () => new Date('2026-01-01T00:00:00.000Z'),
  });
  const readAllOf = async (jobId) => {
    const out = [];
    for await (const e of ledger.store.readStream(`job-${jobId}`)) out.push(e);
    return out;
  };
  const user = ledger.as(alice);
  const agent = ledger.as(agent7);
  const submitted = right(await user.createJob(smallestJob)(), 'template createJob');
  const submittedStream = await readAllOf(submitted.id); // before the agent claims anything
  const life = right(await user.createJob({ ...smallestJob, modelId: 'model-1' })(), 'template createJob');
  // Two Pending jobs exist; the agent claims both (oldest first) and runs the lifecycle job to the end.
  const claimed1 = right(await agent.getJobForAgent({})(), 'template getJobForAgent');
  const claimed2 = right(await agent.getJobForAgent({})(), 'template getJobForAgent');
  const claimedLife = [claimed1, claimed2].find((j) => j.id === life.id);
  if (claimedLife === undefined) throw new Error('template: the agent did not claim the lifecycle job');
  right(await agent.updateStatus(life.id, { status: 'Running' })(), 'template updateStatus Running');
  right(await agent.updateStatus(life.id, { status: 'Completed' })(), 'template updateStatus Completed');
  const strip = (e) => ({
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: {
      actor: e.metadata.actor,
      ...(e.metadata.correlationId && { correlationId: e.metadata.correlationId }),
    },
  });
  const submittedEvents = submittedStream.map(strip);
  const completedEvents = (await readAllOf(life.id)).map(strip);
  await ledger.close()();
  return {
    submitted: { jobId: submitted.id, text: JSON.stringify(submittedEvents), length: submittedEvents.length },
    completed: { jobId: life.id, text: JSON.stringify(completedEvents), length: completedEvents.length },
  };
};

/**
 * The events of template `t` for the `k`-th seeded job: every `@ID<n>@` becomes `<prefix><k>-<n>`, and events
 * get consecutive recordedAt times starting at `at` (ms since epoch), so `created` orders jobs by k.
 */
export const instantiate = (t, prefix, k, at) => {
  const events = JSON.parse(t.text.replace(/@ID(\d+)@/g, `${prefix}${k}-$1`));
  const jobId = t.jobId.replace(/@ID(\d+)@/, `${prefix}${k}-$1`);
  events.forEach((e, i) => {
    e.metadata.recordedAt = new Date(at + i).toISOString();
    // Times inside data (lease expiry) follow the same clock.
    if (e.data.leaseExpiresAt !== undefined) e.data.leaseExpiresAt = new Date(at + i + 60_000).toISOString();
  });
  return { streamId: `job-${jobId}`, jobId, events };
};
