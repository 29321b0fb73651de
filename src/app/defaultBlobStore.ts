import * as TE from 'fp-ts/lib/TaskEither.js';
import { JobError } from '../domain/errors.js';
import type { BlobStore, WithDefaultBlobStore } from './BlobStore.js';

/**
 * The blob store of a ledger given no `files`: the one its event store names (`defaultBlobStore()`), or, for an
 * event store that names none, one that refuses file contents with a message saying what to pass.
 */
export const defaultBlobStore = (store: { readonly description: string }): BlobStore => {
  const named = (store as Partial<WithDefaultBlobStore>).defaultBlobStore;
  if (typeof named === 'function') return named.call(store);
  const refusal = JobError.store(
    `the store ${store.description} names no place for file contents; pass createJobLedger({ store, files }) ` +
      'with a blob store (filesystemBlobStore, postgresBlobStore, memoryBlobStore)',
  );
  return {
    description: 'none',
    put: () => TE.left(refusal),
    open: () => TE.left(refusal),
    close: async () => undefined,
  };
};
