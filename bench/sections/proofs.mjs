// Section: audit proofs. (1) SQLite createJob cost with the Merkle tree kept up to date (a digest every 100
// appends, and after every append) against the appends alone, in the same run; (2) per job at
// a log of config.events events: proof generation (ledger.proveJob) and the offline check (checkJobProof).
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { now, progress, removeDir, sampleLatency, tempDir } from '../lib/measure.mjs';
import {
  alice,
  eventTemplates,
  loadJobledger,
  need,
  openSqliteStore,
  right,
  smallestJob,
} from '../lib/ours.mjs';
import { seedJobs } from '../lib/seed.mjs';

const SECTION = 'proofs';

const openSide = async (dir, name, signingKey) => {
  const mod = need(await loadJobledger(), 'createJobLedger', 'checkJobProof');
  const store = await openSqliteStore(path.join(dir, `${name}.db`), 'full');
  const ledger = mod.createJobLedger({ store, ...(signingKey && { signingKey }) });
  return { ledger, session: ledger.as(alice) };
};

export const runProofs = async (report, config) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const draft = { ...smallestJob, draft: true };
  const dir = tempDir('proofs');
  try {
    // (1) Append cost. The tree is a read model: nothing is added to the append transaction; the tree is
    // caught up (leaves read, hashed, kept in the SQLite file, digest signed) when a digest is asked for. So the
    // cost of keeping it is measured in place: batches of 100 createJob(draft), each followed by a digest on
    // the same ledger, and the digests' time set against the appends' time (same run, same file, interleaved,
    // which a shared machine's drift cannot tilt). `every append` is the upper bound: a digest per createJob.
    const { ledger, session } = await openSide(dir, 'append', privateKey);
    const time = async (f) => {
      const t0 = now();
      await f();
      return now() - t0;
    };
    const batches = Math.max(5, Math.round(config.durationMs / 150));
    let appendMs = 0;
    let digestMs = 0;
    let appends = 0;
    progress(`${SECTION}: ${batches} batches of 100 createJob(draft), each followed by a digest`);
    for (let b = 0; b < batches; b++) {
      appendMs += await time(async () => {
        for (let i = 0; i < 100; i++) right(await session.createJob(draft)(), 'createJob');
      });
      appends += 100;
      digestMs += await time(async () => right(await ledger.digest()(), 'digest'));
    }
    let eachAppendMs = 0;
    let eachDigestMs = 0;
    for (let i = 0; i < 200; i++) {
      eachAppendMs += await time(async () => right(await session.createJob(draft)(), 'createJob'));
      eachDigestMs += await time(async () => right(await ledger.digest()(), 'digest'));
    }
    right(await ledger.close()(), 'close');
    report.measure({
      section: SECTION,
      id: 'proofs.append.none',
      label: 'SQLite FULL, 1 caller: createJob(draft) alone',
      value: (1000 * appends) / appendMs,
      unit: 'ops/s',
    });
    report.measure({
      section: SECTION,
      id: 'proofs.append.k100',
      label: 'SQLite FULL, 1 caller: createJob(draft) with the tree kept (a digest every 100)',
      value: (1000 * appends) / (appendMs + digestMs),
      unit: 'ops/s',
    });
    const overhead = (100 * digestMs) / appendMs;
    report.measure({
      section: SECTION,
      id: 'proofs.append.overhead100',
      label: 'append cost of keeping the tree (a digest every 100 appends)',
      value: overhead,
      unit: '%',
    });
    report.measure({
      section: SECTION,
      id: 'proofs.append.overheadEach',
      label: 'append cost of keeping the tree (a digest after every append)',
      value: (100 * eachDigestMs) / eachAppendMs,
      unit: '%',
    });
    report.target({
      id: 'proofs.append',
      label: 'tree kept (a digest every 100 appends): createJob cost ≤ +15% on SQLite',
      ours: overhead,
      need: 15,
      kind: 'max',
      unit: '%',
    });
  } catch (error) {
    report.fail(SECTION, 'append cost', error);
  }

  try {
    // (2) Proofs at a large log, seeded through the store's own append (real events, real hashes).
    const templates = await eventTemplates();
    const t = templates.completed;
    const jobs = Math.max(100, Math.round(config.events / t.length));
    const { ledger } = await openSide(dir, 'large', privateKey);
    const seeded = await seedJobs({
      store: ledger.store,
      template: t,
      prefix: 'p',
      jobs,
      label: `${SECTION} seed`,
    });
    progress(`${SECTION}: building the tree over ${seeded.events} events`);
    const t0 = now();
    const digest = right(await ledger.digest()(), 'digest');
    const buildSeconds = (now() - t0) / 1000;
    report.measure({
      section: SECTION,
      id: 'proofs.treeBuild',
      label: `tree built from the log (first digest), ${digest.treeSize} events`,
      value: digest.treeSize / buildSeconds,
      unit: 'events/s',
    });
    const { checkJobProof } = await loadJobledger();
    const jobIdOf = (k) => t.jobId.replace(/@ID(\d+)@/, `p${k}-$1`);
    let k = 0;
    let lastProof;
    const gen = await sampleLatency({
      durationMs: config.latencyMs,
      op: async () => {
        lastProof = right(await ledger.proveJob(jobIdOf((k = (k * 7919 + 13) % jobs)), digest)(), 'proveJob');
      },
    });
    const proofs = [];
    for (let i = 0; i < 50; i++)
      proofs.push(right(await ledger.proveJob(jobIdOf((i * 104729) % jobs), digest)(), 'proveJob'));
    let i = 0;
    const check = await sampleLatency({
      durationMs: config.latencyMs,
      op: async () => right(checkJobProof(proofs[i++ % proofs.length], publicKey), 'checkJobProof'),
    });
    const detail = {
      events: digest.treeSize,
      eventsPerJob: lastProof.events.length,
      pathLength: lastProof.events[0].path.length,
    };
    report.measure({
      section: SECTION,
      id: 'proofs.prove',
      label: `proveJob p50 at ${digest.treeSize} events (SQLite)`,
      value: gen.p50,
      unit: 'ms',
      ...detail,
      ...gen,
    });
    report.measure({
      section: SECTION,
      id: 'proofs.check',
      label: `checkJobProof p50 at ${digest.treeSize} events`,
      value: check.p50,
      unit: 'ms',
      ...detail,
      ...check,
    });
    report.target({
      id: 'proofs.prove',
      label: 'proof generation per job ≤ 1 ms (p50)',
      ours: gen.p50,
      need: 1,
      kind: 'max',
      unit: 'ms',
    });
    report.target({
      id: 'proofs.check',
      label: 'offline proof check per job ≤ 1 ms (p50)',
      ours: check.p50,
      need: 1,
      kind: 'max',
      unit: 'ms',
    });
    right(await ledger.close()(), 'close');
  } catch (error) {
    report.fail(SECTION, 'proofs at a large log', error);
  } finally {
    removeDir(dir);
  }
};
