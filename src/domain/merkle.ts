import { createHash } from 'node:crypto';

/**
 * The hashing of RFC 9162 (Certificate Transparency v2), section 2.1, with SHA-256:
 * `leafHash(d) = SHA-256(0x00 ‖ d)`, `nodeHash(l, r) = SHA-256(0x01 ‖ l ‖ r)`, the root of the empty tree is
 * `SHA-256()`. The prefixes keep a leaf from ever hashing like an inner node (second-preimage resistance).
 * Pure: bytes in, bytes out; the tree's storage is elsewhere.
 */

const sha256 = (...parts: readonly Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

/** `SHA-256(0x00 ‖ leaf)` (RFC 9162 2.1.1). */
export const leafHash = (leaf: Uint8Array): Buffer => sha256(LEAF, leaf);

/** `SHA-256(0x01 ‖ left ‖ right)` (RFC 9162 2.1.1). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE, left, right);

/** The root of the empty tree: `SHA-256()` of no bytes. */
export const emptyRoot = (): Buffer => sha256();

/** The largest power of two strictly below `n` (n > 1): the split point `k` of RFC 9162 2.1.1. */
export const splitPoint = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/**
 * Where a tree gets the hash of the subtree over leaves `[start, end)`. {@link merkleRootOf} recomputes it from
 * the leaves; the incremental tree answers it from stored complete subtrees in O(log n).
 */
export type SubtreeHash = (start: number, end: number) => Buffer;

/**
 * MTH(D[n]) of RFC 9162 2.1.1 over already leaf-hashed entries, by the definition (the reference the
 * incremental tree is tested against).
 *
 * @example
 * merkleRootOf([leafHash(Buffer.from('a'))]).equals(leafHash(Buffer.from('a'))) // true
 */
export const merkleRootOf = (leafHashes: readonly Uint8Array[]): Buffer => {
  const mth = (start: number, end: number): Buffer => {
    const n = end - start;
    if (n === 0) return emptyRoot();
    if (n === 1) return Buffer.from(leafHashes[start]!);
    const k = splitPoint(n);
    return nodeHash(mth(start, start + k), mth(start + k, end));
  };
  return mth(0, leafHashes.length);
};

/** A subtree-hash source that recomputes from the leaf hashes (for tests and small trees). */
export const subtreeHashOf =
  (leafHashes: readonly Uint8Array[]): SubtreeHash =>
  (start, end) =>
    merkleRootOf(leafHashes.slice(start, end));

/**
 * The inclusion proof (audit path) of leaf `index` in the tree of the first `size` leaves: PATH(m, D[n]) of
 * RFC 9162 2.1.3.1, nearest sibling first.
 */
export const inclusionPath = (subtree: SubtreeHash, index: number, size: number): Buffer[] => {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, start, start + k), subtree(start + k, end)]
      : [...path(m - k, start + k, end), subtree(start, start + k)];
  };
  return path(index, 0, size);
};

/**
 * The consistency proof between the trees of the first `oldSize` and `newSize` leaves: PROOF(m, D[n]) of
 * RFC 9162 2.1.4.1. Empty when the sizes are equal or the old tree is empty.
 */
export const consistencyPath = (subtree: SubtreeHash, oldSize: number, newSize: number): Buffer[] => {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize)
    throw new RangeError(`no consistency proof from a tree of ${oldSize} to one of ${newSize} leaves`);
  if (oldSize === 0 || oldSize === newSize) return [];
  const subproof = (m: number, start: number, end: number, whole: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return whole ? [] : [subtree(start, end)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, start, start + k, whole), subtree(start + k, end)]
      : [...subproof(m - k, start + k, end, false), subtree(start, start + k)];
  };
  return subproof(oldSize, 0, newSize, true);
};

/**
 * On a right edge (the node is the last of its level, with no sibling to its right), RFC 9162 2.1.3.2 and
 * 2.1.4.2 shift both indices right until `fn` is odd or 0: climbing levels where nothing is combined.
 */
const climbRightEdge = (fn: number, sn: number): [number, number] => {
  while (fn % 2 === 0 && fn !== 0) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return [fn, sn];
};

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/**
 * Verifies an inclusion proof (RFC 9162 2.1.3.2): that `leaf` (already leaf-hashed) is entry `index` of the tree
 * of `size` leaves whose root is `root`.
 */
export const verifyInclusion = (
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean => {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      [fn, sn] = climbRightEdge(fn, sn);
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
};

/**
 * Verifies a consistency proof (RFC 9162 2.1.4.2): that the tree of `oldSize` leaves with root `oldRoot` is a
 * prefix of the tree of `newSize` leaves with root `newRoot`.
 */
export const verifyConsistency = (
  oldSize: number,
  newSize: number,
  path: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean => {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize)
    return false;
  if (oldSize === newSize) return path.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldSize === 0) return path.length === 0;
  // An old tree that is a complete left subtree is itself the first node of the path.
  const nodes = (oldSize & (oldSize - 1)) === 0 ? [oldRoot, ...path] : [...path];
  if (nodes.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(nodes[0]!);
  let sr: Buffer = Buffer.from(nodes[0]!);
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      [fn, sn] = climbRightEdge(fn, sn);
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
};
