import type { EventStore } from '../../domain/EventStore.js';
import { leafHash } from '../../domain/merkle.js';
import { createMerkleTree, type MerkleTree } from '../../domain/merkleTree.js';
import { hasMerkleLeaves, type MerkleLeafStore, type StoredLeaf } from '../../projections/MerkleLeafStore.js';
import { eventLeaf } from '../../domain/proofs/jobProof.js';
import { eventPages } from '../../domain/eventPages.js';

/**
 * The Merkle tree over the global log as a read model: leaves in `readAll` order (the order every store keeps
 * stable: commit order on Postgres, so a tree size always names a prefix of the log), caught up from the last
 * position it saw whenever a digest or a proof is asked for.
 * @internal
 */
export interface LedgerTree {
  /** Reads the events appended since the last catch-up into the tree; answers the tree size. */
  catchUp(): Promise<number>;
  readonly tree: MerkleTree;
  /** The leaf index of each version of a stream (index = version), as far as caught up. */
  leavesOf(streamId: string): readonly number[];
  /** Forgets everything: the next catch-up reads the whole log (`rebuildProjections`). */
  reset(): Promise<void>;
}

/** @internal */
export const createLedgerTree = (store: EventStore): LedgerTree => {
  const tree = createMerkleTree();
  const kept: MerkleLeafStore | undefined = hasMerkleLeaves(store) ? store.merkleLeaves() : undefined;
  let loaded = false;
  let streams = new Map<string, number[]>();
  let after: string | undefined;
  let running: Promise<number> = Promise.resolve(0);
  const add = (leaf: StoredLeaf): void => {
    const leaves = streams.get(leaf.streamId) ?? [];
    leaves.push(tree.size);
    streams.set(leaf.streamId, leaves);
    tree.appendLeafHash(leaf.leafHash);
  };
  const read = async (): Promise<number> => {
    // A store that keeps the leaves spares a new process the read of the whole log.
    if (!loaded && kept !== undefined) {
      const { leaves, position } = await kept.load();
      leaves.forEach(add);
      if (position !== null) after = position;
    }
    loaded = true;
    const batch: StoredLeaf[] = [];
    const flush = async (): Promise<void> => {
      if (kept !== undefined && batch.length > 0 && after !== undefined)
        await kept.append(tree.size - batch.length, batch, after);
      batch.length = 0;
    };
    const events = store.readAll({ batchSize: 5000, ...(after !== undefined && { after }) });
    for await (const page of eventPages(events, 5000)) {
      for (const event of page) {
        const leaf = {
          streamId: event.streamId,
          version: event.version,
          leafHash: leafHash(eventLeaf(event)),
        };
        add(leaf);
        after = event.position;
        batch.push(leaf);
      }
      if (batch.length >= 5000) await flush();
    }
    await flush();
    return tree.size;
  };
  return {
    tree,
    // One catch-up at a time: a second caller waits for the first and then reads what is left.
    catchUp: () => (running = running.then(read, read)),
    leavesOf: (streamId) => streams.get(streamId) ?? [],
    reset: async () => {
      const clear = async (): Promise<number> => {
        await kept?.reset();
        loaded = true;
        tree.clear();
        streams = new Map();
        after = undefined;
        return 0;
      };
      await (running = running.then(clear, clear));
    },
  };
};
