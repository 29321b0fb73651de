import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  consistencyPath,
  leafHash,
  merkleRootOf,
  subtreeHashOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/domain/merkle.js';
import { createMerkleTree } from '../../src/domain/merkleTree.js';

// The leaves of the Certificate Transparency test trees: "", 00, 10, 2021, 3031.
const leaves = ['', '00', '10', '2021', '3031'].map((h) => Buffer.from(h, 'hex'));
// Computed by hand with `printf HEX | xxd -r -p | sha256sum`, independently of src/:
//   L0 = sha256(00), L1 = sha256(00 00), L2 = sha256(00 10), L3 = sha256(00 2021), L4 = sha256(00 3031),
//   N01 = sha256(01 ‖ L0 ‖ L1), N23 = sha256(01 ‖ L2 ‖ L3), root3 = sha256(01 ‖ N01 ‖ L2),
//   root4 = sha256(01 ‖ N01 ‖ N23), root5 = sha256(01 ‖ root4 ‖ L4).
const v = {
  empty: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  L0: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  L2: '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  L3: '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  L4: 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  N01: 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  N23: '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
  root3: 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  root4: 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  root5: '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
};
const hex = (bs: readonly Buffer[]) => bs.map((b) => b.toString('hex'));
const bytes = (h: string) => Buffer.from(h, 'hex');

describe('RFC 9162 hashing against hand-computed vectors', () => {
  const tree = createMerkleTree();
  leaves.forEach((l) => tree.append(l));

  it('roots of every prefix, by definition and incrementally', () => {
    const expected = [v.empty, v.L0, v.N01, v.root3, v.root4, v.root5];
    const hashed = leaves.map(leafHash);
    expected.forEach((root, n) => {
      expect(merkleRootOf(hashed.slice(0, n)).toString('hex')).toBe(root);
      expect(tree.root(n).toString('hex')).toBe(root);
    });
  });

  it('inclusion path of leaf 2 in the tree of 5, and its check', () => {
    const path = tree.inclusionPath(2, 5);
    expect(hex(path)).toEqual([v.L3, v.N01, v.L4]);
    expect(verifyInclusion(bytes(v.L2), 2, 5, path, bytes(v.root5))).toBe(true);
    expect(verifyInclusion(bytes(v.L2), 3, 5, path, bytes(v.root5))).toBe(false);
    expect(verifyInclusion(bytes(v.L2), 2, 4, path, bytes(v.root5))).toBe(false);
  });

  it('consistency paths 3 -> 5 and 2 -> 4, and their checks', () => {
    expect(hex(tree.consistencyPath(3, 5))).toEqual([v.L2, v.L3, v.N01, v.L4]);
    expect(hex(tree.consistencyPath(2, 4))).toEqual([v.N23]);
    expect(verifyConsistency(3, 5, tree.consistencyPath(3, 5), bytes(v.root3), bytes(v.root5))).toBe(true);
    expect(verifyConsistency(2, 4, [bytes(v.N23)], bytes(v.N01), bytes(v.root4))).toBe(true);
    expect(verifyConsistency(2, 4, [bytes(v.N23)], bytes(v.root3), bytes(v.root4))).toBe(false);
  });

  it('refuses paths for leaves or sizes the tree does not have', () => {
    expect(() => tree.inclusionPath(5, 5)).toThrow(/not in a tree of 5/);
    expect(() => tree.root(6)).toThrow(/5 leaves, not 6/);
  });
});

const logArb = fc.array(fc.uint8Array({ minLength: 0, maxLength: 8 }), { minLength: 1, maxLength: 70 });

describe('Merkle proofs, properties', () => {
  fcTest.prop([logArb, fc.nat(), fc.nat(), fc.nat()])(
    'inclusion and consistency proofs between any two prefixes check',
    (log, a, b, c) => {
      const tree = createMerkleTree();
      log.forEach((l) => tree.append(l));
      const hashed = log.map(leafHash);
      const n = 1 + (a % log.length);
      const m = b % (n + 1);
      const i = c % n;
      expect(tree.root(n).equals(merkleRootOf(hashed.slice(0, n)))).toBe(true);
      expect(verifyInclusion(hashed[i]!, i, n, tree.inclusionPath(i, n), tree.root(n))).toBe(true);
      const proof = tree.consistencyPath(m, n);
      expect(hex(proof)).toEqual(hex(consistencyPath(subtreeHashOf(hashed), m, n)));
      expect(verifyConsistency(m, n, proof, tree.root(m), tree.root(n))).toBe(true);
    },
  );

  fcTest.prop([logArb, fc.nat(), fc.nat()])(
    'a forked log (one leaf changed, everything after recomputed) fails against the old root',
    (log, a, b) => {
      const n = 1 + (a % log.length);
      const changed = b % n;
      const tree = createMerkleTree();
      const fork = createMerkleTree();
      log.forEach((l, i) => {
        tree.append(l);
        fork.append(i === changed ? Buffer.concat([l, Buffer.of(1)]) : l);
      });
      const oldRoot = tree.root(n);
      expect(
        verifyInclusion(fork.leafHashAt(changed), changed, n, fork.inclusionPath(changed, n), oldRoot),
      ).toBe(false);
      expect(verifyConsistency(n, log.length, fork.consistencyPath(n), oldRoot, fork.root())).toBe(false);
    },
  );
});
