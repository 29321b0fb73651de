// Section: audit proofs. (1) SQLite createJob/s without the Merkle tree vs with the tree kept up to date
// (caught up after every append, and after every 100), in interleaved rounds of the same run; (2) per job at
// a log of config.events events: proof generation (ledger.proveJob) and the offline check (checkJobProof).
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { progress, removeDir, runConcurrent, sampleLatency, tempDir } from '../lib/measure.mjs';
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
    // (1) Append cost. The tree is a read model: it costs nothing on the append path itself, and its cost is
    // paid when it catches up (digest or proof). `every append` signs a digest after each createJob (the
    // Ed25519 signature included: an upper bound); `every 100` is what a periodic digest costs per append.
    const sides = [
      { key: 'none', label: 'createJob(draft), no tree', every: 0 },
      { key: 'each', label: 'createJob(draft) + tree caught up and signed every append', every: 1 },
      { key: 'k100', label: 'createJob(draft) + tree caught up and signed every 100 appends', every: 100 },
    ];
    for (const side of sides) {
      side.open = await openSide(dir, side.key, privateKey);
      side.n = 0;
      side.ops = 0;
      side.seconds = 0;
    }
    const perSide = Math.max(200, Math.round(config.durationMs / config.rounds));
    for (let round = 0; round < config.rounds; round++) {
      for (const side of sides) {
        progress(`${SECTION}: round ${round + 1}/${config.rounds}, ${side.label}`);
        const r = await runConcurrent({
          callers: 1,
          durationMs: perSide,
          warmupMs: round === 0 ? config.warmupMs : 0,
          op: async () => {
            right(await side.open.session.createJob(draft)(), 'createJob');
            side.n++;
            if (side.every > 0 && side.n % side.every === 0)
              right(await side.open.ledger.digest()(), 'digest');
            return true;
          },
        });
        if (r.firstError) throw new Error(r.firstError);
        side.ops += r.ops;
        side.seconds += r.seconds;
      }
    }
    const rate = {};
    for (const side of sides) {
      rate[side.key] = side.ops / side.seconds;
      report.measure({
        section: SECTION,
        id: `proofs.append.${side.key}`,
        label: `SQLite FULL, 1 caller: ${side.label}`,
        value: rate[side.key],
        unit: 'ops/s',
      });
      right(await side.open.ledger.close()(), 'close');
    }
    const overhead = (key) => (100 * (rate.none - rate[key])) / rate.none;
    report.measure({
      section: SECTION,
      id: 'proofs.append.overhead100',
      label: 'append cost of the tree (digest every 100 appends) vs none',
      value: overhead('k100'),
      unit: '%',
    });
    report.measure({
      section: SECTION,
      id: 'proofs.append.overheadEach',
      label: 'append cost of the tree (digest every append) vs none',
      value: overhead('each'),
      unit: '%',
    });
    report.target({
      id: 'proofs.append',
      label: 'tree kept (digest every 100 appends): createJob cost ≤ +15% on SQLite',
      ours: overhead('k100'),
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
    const t0 = performance.now();
    const digest = right(await ledger.digest()(), 'digest');
    const buildSeconds = (performance.now() - t0) / 1000;
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
