import {
  consistencyPath,
  emptyRoot,
  inclusionPath,
  leafHash,
  nodeHash,
  splitPoint,
  type SubtreeHash,
} from './merkle.js';

/**
 * An append-only Merkle tree (RFC 9162 hashing) kept incrementally: appending a leaf stores its leaf hash and
 * every complete subtree it closes (level k holds the roots of the aligned blocks of 2^k leaves), so a root,
 * an inclusion path or a consistency path for any prefix costs O(log² n) lookups and no rehashing of leaves.
 * Pure data structure: what it persists to is the caller's business.
 */
export interface MerkleTree {
  /** The number of leaves. */
  readonly size: number;
  /** Appends a leaf (its bytes, not yet leaf-hashed). */
  append(leaf: Uint8Array): void;
  /** Appends a leaf whose leaf hash is already known (catching up from stored hashes). */
  appendLeafHash(hash: Uint8Array): void;
  /** The leaf hash of entry `index`. */
  leafHashAt(index: number): Buffer;
  /** MTH of the first `size` leaves (default: all). */
  root(size?: number): Buffer;
  /** The inclusion path of leaf `index` in the tree of the first `size` leaves. */
  inclusionPath(index: number, size?: number): Buffer[];
  /** The consistency path from the first `oldSize` leaves to the first `newSize`. */
  consistencyPath(oldSize: number, newSize?: number): Buffer[];
  /** Forgets every leaf (a rebuild starts here). */
  clear(): void;
}

const checkSize = (size: number, max: number): void => {
  if (!Number.isSafeInteger(size) || size < 0 || size > max)
    throw new RangeError(`the tree has ${max} leaves, not ${size}`);
};

/**
 * A new, empty {@link MerkleTree}.
 *
 * @example
 * const tree = createMerkleTree();
 * tree.append(Buffer.from('a'));
 * tree.append(Buffer.from('b'));
 * tree.root().equals(nodeHash(leafHash(Buffer.from('a')), leafHash(Buffer.from('b')))); // true
 */
export const createMerkleTree = (): MerkleTree => {
  // levels[k][i] = root of leaves [i·2^k, (i+1)·2^k).
  let levels: Buffer[][] = [[]];
  const size = (): number => levels[0]!.length;
  const subtree: SubtreeHash = (start, end) => {
    const n = end - start;
    if (n === 0) return emptyRoot();
    // A block of 2^k leaves aligned on 2^k is stored; anything else splits as RFC 9162 does.
    if ((n & (n - 1)) === 0 && start % n === 0) {
      const k = Math.log2(n);
      const stored = levels[k]?.[start / n];
      if (stored !== undefined) return stored;
    }
    const k = splitPoint(n);
    return nodeHash(subtree(start, start + k), subtree(start + k, end));
  };
  const appendLeafHash = (hash: Uint8Array): void => {
    let node: Buffer = Buffer.from(hash);
    let level = 0;
    levels[0]!.push(node);
    // Each odd index closes a pair: store its parent, and so on up while pairs keep closing.
    while (levels[level]!.length % 2 === 0) {
      const row = levels[level]!;
      node = nodeHash(row[row.length - 2]!, node);
      level++;
      (levels[level] ??= []).push(node);
    }
  };
  return {
    get size() {
      return size();
    },
    append: (leaf) => appendLeafHash(leafHash(leaf)),
    appendLeafHash,
    leafHashAt: (index) => {
      checkSize(index, size() - 1);
      return levels[0]![index]!;
    },
    root: (n = size()) => {
      checkSize(n, size());
      return subtree(0, n);
    },
    inclusionPath: (index, n = size()) => {
      checkSize(n, size());
      return inclusionPath(subtree, index, n);
    },
    consistencyPath: (oldSize, n = size()) => {
      checkSize(n, size());
      return consistencyPath(subtree, oldSize, n);
    },
    clear: () => {
      levels = [[]];
    },
  };
};
