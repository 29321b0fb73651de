import type { Hash } from 'node:crypto';
import { JobError, type ValidationError } from '../../domain/errors.js';

/** Thrown inside a blob store's write loop when content passes its limit; `put` answers `error` as a value. */
export class ContentTooLarge extends Error {
  readonly error: ValidationError;
  constructor(maxBytes: number) {
    super(`content exceeds ${maxBytes} bytes`);
    this.error = JobError.validation([
      {
        path: 'input.content',
        message: `the file is larger than the limit of ${maxBytes} bytes; send a smaller file or raise files.maxBytes in createJobLedger`,
      },
    ]);
  }
}

/**
 * The chunks of `content` as they come, each fed to `hash`, stopping with {@link ContentTooLarge} as soon as
 * more than `maxBytes` came. Strings are taken as UTF-8.
 */
export async function* meteredContent(
  content: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxBytes: number,
  hash: Hash,
): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const part of content) {
    const chunk = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    size += chunk.byteLength;
    if (size > maxBytes) throw new ContentTooLarge(maxBytes);
    hash.update(chunk);
    yield chunk;
  }
}

/** A failed put as a JobError: the size limit as a ValidationError, anything else as a StoreError. */
export const putFailure =
  (description: string) =>
  (cause: unknown): JobError =>
    cause instanceof ContentTooLarge
      ? cause.error
      : JobError.store(
          `storing file content in ${description} failed: ${cause instanceof Error ? cause.message : String(cause)}; retry, or check the store`,
          cause,
        );
