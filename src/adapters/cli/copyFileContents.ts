import * as E from 'fp-ts/lib/Either.js';
import type { BlobStore } from '../../app/BlobStore.js';
import type { StoredEvent } from '../../domain/storedEvent.js';

/** What {@link copyFileContents} did. */
export interface FileCopySummary {
  /** Contents the target lacked and now holds. */
  readonly copied: number;
  readonly bytes: number;
  /** Contents the target held already (the same bytes: they are addressed by sha256). */
  readonly present: number;
  /** Contents the log refers to that the source does not hold (its own verify reports them too). */
  readonly missing: readonly string[];
}

/**
 * Collects the sha256 of every stored content a log refers to — a job's uploaded file and every later revision —
 * from its events, as they pass by (`copyEventLog`'s `onEvent`).
 */
export const storedContents = () => {
  const shas = new Set<string>();
  return {
    shas: shas as ReadonlySet<string>,
    see(event: StoredEvent): void {
      const data = event.data as { fileStored?: boolean; file?: { sha256?: string }; sha256?: string };
      if (event.type === 'JobCreated' && data.fileStored === true && typeof data.file?.sha256 === 'string')
        shas.add(data.file.sha256);
      else if (event.type === 'JobFileRevisionAdded' && typeof data.sha256 === 'string')
        shas.add(data.sha256);
    },
  };
};

/**
 * Copies the file contents a log refers to (collected by {@link storedContents}) from the source's blob store to
 * the target's, streaming each one (the target hashes it as it stores it, so a damaged source copy is refused, not
 * spread). Contents the target holds already are left alone, so a copy between stores that share a blob store
 * copies nothing.
 */
export const copyFileContents = async (
  contents: ReadonlySet<string>,
  from: BlobStore,
  to: BlobStore,
): Promise<E.Either<Error, FileCopySummary>> => {
  let copied = 0;
  let bytes = 0;
  let present = 0;
  const missing: string[] = [];
  for (const sha256 of contents) {
    const there = await to.open(sha256, { skipCache: true })();
    if (E.isRight(there) && there.right !== null) {
      there.right.destroy();
      present++;
      continue;
    }
    const source = await from.open(sha256)();
    if (E.isLeft(source))
      return E.left(new Error(`reading ${sha256} from ${from.description}: ${source.left.message}`));
    if (source.right === null) {
      missing.push(sha256);
      continue;
    }
    const stored = await to.put(source.right, { maxBytes: Number.MAX_SAFE_INTEGER })();
    if (E.isLeft(stored))
      return E.left(new Error(`storing ${sha256} in ${to.description}: ${stored.left.message}`));
    if (stored.right.sha256 !== sha256)
      return E.left(
        new Error(
          `${from.description} holds other bytes under ${sha256} (they hash to ${stored.right.sha256})`,
        ),
      );
    copied++;
    bytes += stored.right.size;
  }
  return E.right({ copied, bytes, present, missing });
};
