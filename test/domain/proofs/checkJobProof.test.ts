import { generateKeyPairSync } from 'node:crypto';
import { fc, test as fcTest } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { checkConsistencyProof } from '../../../src/domain/proofs/consistencyProof.js';
import { checkJobProof, type JobProof } from '../../../src/domain/proofs/jobProof.js';
import type { ProofProblemKind } from '../../../src/domain/proofs/proofProblem.js';
import { ok, testLedger } from '../../app/support.js';

const keys = generateKeyPairSync('ed25519');
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const otherKey = generateKeyPairSync('ed25519').publicKey;

let proof: JobProof;
let illegal: JobProof;
let text: string;

beforeAll(async () => {
  const store = memoryEventStore();
  const t = testLedger(store, { signingKey: keys.privateKey });
  const fn = { function: { id: 'fn-1' }, file: { name: 'params.json' } };
  // Jobs around the proven one, so its leaves sit inside the tree with paths of several nodes.
  for (let i = 0; i < 5; i++) await ok(t.alice.createJob(fn));
  const job = await ok(t.alice.createJob(fn));
  await ok(t.alice.addComment(job.id, { content: 'checked offline' }));
  for (let i = 0; i < 4; i++) await ok(t.alice.createJob(fn));
  const bad = await ok(t.alice.createJob(fn));
  // Written around the ledger: Pending -> Completed is no edge of the machine, but every hash is right.
  const appended = await store.append(
    `job-${bad.id}`,
    [{ type: 'JobStatusChanged', data: { from: 'Pending', to: 'Completed', statusId: 's-forged' } }],
    { expected: 'any' },
  )();
  expect(E.isRight(appended)).toBe(true);
  proof = await ok(t.ledger.proveJob(job.id));
  illegal = await ok(t.ledger.proveJob(bad.id));
  text = JSON.stringify(proof);
});

/** A deep copy of the proof with one change. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the proof as a JSON file, changed on purpose
const tampered = (change: (p: any) => void): unknown => {
  const copy = JSON.parse(text);
  change(copy);
  return copy;
};

const flipHex = (h: string): string => `${h[0] === '0' ? '1' : '0'}${h.slice(1)}`;

const failsWith = (
  p: unknown,
  kind: ProofProblemKind,
  key: Parameters<typeof checkJobProof>[1] = publicPem,
) => {
  const checked = checkJobProof(p, key);
  expect(E.isLeft(checked) && checked.left.kind).toBe(kind);
};

describe('checkJobProof', () => {
  it('accepts the untouched proof and says what it proves', () => {
    expect(checkJobProof(JSON.parse(text), publicPem)).toEqual(
      E.right(expect.objectContaining({ jobId: proof.jobId, events: 3, status: 'Pending' })),
    );
  });

  it('names each changed part', () => {
    failsWith(
      tampered((p) => (p.events[0].event.data.file.name = 'other.json')),
      'event-hash',
    );
    failsWith(
      tampered((p) => (p.events[2].event.data.content = 'changed')),
      'event-hash',
    );
    failsWith(
      tampered((p) => (p.events[1].event.metadata.recordedAt = '2020-01-01T00:00:00.000Z')),
      'event-hash',
    );
    failsWith(
      tampered((p) => (p.events[1].event.metadata.actor.id = 'u-mallory')),
      'event-hash',
    );
    failsWith(
      tampered((p) => (p.events[1].event.metadata.hash = flipHex(p.events[1].event.metadata.hash))),
      'event-hash',
    );
    failsWith(
      tampered((p) => (p.events[1].path[0] = flipHex(p.events[1].path[0]))),
      'inclusion',
    );
    failsWith(
      tampered((p) => p.events[1].path.pop()),
      'inclusion',
    );
    failsWith(
      tampered((p) => (p.events[2].leafIndex += 1)),
      'inclusion',
    );
    failsWith(
      tampered(
        (p) =>
          (p.digest.signature = `${p.digest.signature[0] === 'A' ? 'B' : 'A'}${p.digest.signature.slice(1)}`),
      ),
      'signature',
    );
    failsWith(
      tampered((p) => (p.digest.treeSize += 1)),
      'signature',
    );
    failsWith(
      tampered((p) => (p.digest.rootHash = flipHex(p.digest.rootHash))),
      'signature',
    );
    failsWith(
      tampered((p) => (p.digest.timestamp = '2030-01-01T00:00:00.000Z')),
      'signature',
    );
    failsWith(
      tampered((p) => (p.digest.keyId = flipHex(p.digest.keyId))),
      'wrong-key',
    );
    failsWith(JSON.parse(text), 'wrong-key', otherKey);
    failsWith(
      tampered((p) => p.events.shift()),
      'chain',
    );
    failsWith(
      tampered((p) => p.events.reverse()),
      'chain',
    );
    failsWith(
      tampered((p) => (p.jobId = 'another-job')),
      'chain',
    );
    failsWith(
      tampered((p) => (p.format = 'jobledger-job-proof/2')),
      'malformed',
    );
    failsWith(
      tampered((p) => delete p.events[0].path),
      'malformed',
    );
    failsWith(illegal, 'replay');
  });

  it('names the path of a malformed proof and refuses a key that is not Ed25519', () => {
    const checked = checkJobProof(
      tampered((p) => (p.events[0].leafIndex = -1)),
      publicPem,
    );
    expect(E.isLeft(checked) && checked.left.message).toMatch(/proof\.events\.0\.leafIndex/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    failsWith(JSON.parse(text), 'wrong-key', rsa);
  });

  fcTest.prop([fc.nat(), fc.integer({ min: 0x20, max: 0x7e })])(
    'a changed byte anywhere in the proof file makes it unreadable or fail the check',
    (at, code) => {
      const i = at % text.length;
      const c = String.fromCharCode(code);
      fc.pre(text[i] !== c);
      const changed = `${text.slice(0, i)}${c}${text.slice(i + 1)}`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(changed);
      } catch {
        return; // not JSON any more: nothing to check
      }
      expect(E.isLeft(checkJobProof(parsed, publicPem))).toBe(true);
    },
  );
});

describe('checkConsistencyProof', () => {
  it('fails when the old root is not a prefix of the new one', async () => {
    const t = testLedger(memoryEventStore(), { signingKey: keys.privateKey });
    await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'a.json' } }));
    const first = await ok(t.ledger.digest());
    await ok(t.alice.createJob({ function: { id: 'fn-1' }, file: { name: 'b.json' } }));
    const second = await ok(t.ledger.digest());
    const proof = await ok(t.ledger.proveConsistency(first, second));
    expect(E.isRight(checkConsistencyProof(proof, publicPem))).toBe(true);
    const broken = { ...proof, path: proof.path.map(flipHex) };
    const checked = checkConsistencyProof(broken, publicPem);
    expect(E.isLeft(checked) && checked.left.kind).toBe('inclusion');
  });
});
