import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { JobError } from '../../domain/errors.js';
import type { BlobStore } from '../../app/BlobStore.js';
import { meteredContent, putFailure } from './meteredContent.js';

/** A {@link BlobStore} in memory with its bytes reachable, so tests can alter or drop stored content. */
export interface MemoryBlobStore extends BlobStore {
  /** The stored content by sha256 (tests change it behind the ledger's back). */
  readonly blobs: Map<string, Buffer>;
}

/**
 * A blob store in memory: for tests and `memory:` ledgers. The same content is kept once.
 *
 * @example
 * const ledger = createJobLedger({ store: openStore('memory:'), files: memoryBlobStore() });
 */
export const memoryBlobStore = (): MemoryBlobStore => {
  const blobs = new Map<string, Buffer>();
  let closed = false;
  const description = 'memory:';
  const closedError = () => JobError.store('the memory blob store is closed; create the ledger again');
  return {
    description,
    blobs,
    put: (content, { maxBytes }) =>
      closed
        ? TE.left(closedError())
        : TE.tryCatch(async () => {
            const hash = createHash('sha256');
            const chunks: Uint8Array[] = [];
            for await (const chunk of meteredContent(content, maxBytes, hash)) chunks.push(chunk);
            const sha256 = hash.digest('hex');
            const bytes = Buffer.concat(chunks);
            const created = !blobs.has(sha256);
            if (created) blobs.set(sha256, bytes);
            return { sha256, size: bytes.byteLength, created };
          }, putFailure(description)),
    open: (sha256) => {
      if (closed) return TE.left(closedError());
      const bytes = blobs.get(sha256);
      return TE.right(bytes === undefined ? null : Readable.from([bytes]));
    },
    close: async () => {
      closed = true;
    },
  };
};
