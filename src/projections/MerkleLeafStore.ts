/** One leaf of the Merkle tree over the log: which event it is, and its leaf hash (RFC 9162). */
export interface StoredLeaf {
  readonly streamId: string;
  readonly version: number;
  readonly leafHash: Uint8Array;
}

/**
 * The port to where a store keeps the leaves of the ledger's Merkle tree, so that a new process (a CLI run)
 * loads them instead of re-reading the whole log. It is a read model: leaves are appended in log order after the
 * fact, and `reset` forgets them for a rebuild. The signed digests, not these rows, are what an auditor trusts.
 */
export interface MerkleLeafStore {
  /** Every leaf kept, in log order, and the log position of the last one (null when none). */
  load(): Promise<{ readonly leaves: readonly StoredLeaf[]; readonly position: string | null }>;
  /**
   * Keeps `leaves` as entries `from`, `from + 1`, …, the last at log position `position`. Entries another
   * process kept already are left as they are (the log order is the same for every reader).
   */
  append(from: number, leaves: readonly StoredLeaf[], position: string): Promise<void>;
  /** Forgets every leaf. */
  reset(): Promise<void>;
}

/** A store that keeps the tree's leaves beside its events. */
export interface WithMerkleLeaves {
  merkleLeaves(): MerkleLeafStore;
}

export const hasMerkleLeaves = (store: object): store is WithMerkleLeaves =>
  typeof (store as Partial<WithMerkleLeaves>).merkleLeaves === 'function';
