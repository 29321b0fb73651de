import type { EventStore } from '../../domain/EventStore.js';
import { createMerkleTree, type MerkleTree } from '../../domain/merkleTree.js';
import { eventLeaf } from '../../domain/proofs/jobProof.js';

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
  let streams = new Map<string, number[]>();
  let after: string | undefined;
  let running: Promise<number> = Promise.resolve(0);
  const read = async (): Promise<number> => {
    for await (const event of store.readAll({ batchSize: 5000, ...(after !== undefined && { after }) })) {
      const leaves = streams.get(event.streamId) ?? [];
      leaves.push(tree.size);
      streams.set(event.streamId, leaves);
      tree.append(eventLeaf(event));
      after = event.position;
    }
    return tree.size;
  };
  return {
    tree,
    // One catch-up at a time: a second caller waits for the first and then reads what is left.
    catchUp: () => (running = running.then(read, read)),
    leavesOf: (streamId) => streams.get(streamId) ?? [],
    reset: async () => {
      const clear = (): number => {
        tree.clear();
        streams = new Map();
        after = undefined;
        return 0;
      };
      await (running = running.then(clear, clear));
    },
  };
};
