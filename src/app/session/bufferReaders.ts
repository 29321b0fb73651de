import * as E from 'fp-ts/lib/Either.js';
import { JobError } from '../../domain/errors.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import type { Result } from './sessionKit.js';

/**
 * `readBytes`, `readText` and `readJson` over one way of reading a file's bytes whole (in process from the blob
 * store, remotely through the client's cache), so both sessions answer alike, down to the message of a file that
 * is not JSON. @internal
 */
export const bufferReaders = (
  bytesOf: (id: unknown, input: unknown) => Result<Buffer>,
): Pick<JobLedgerSession, 'readBytes' | 'readText' | 'readJson'> => ({
  readBytes: (id, input) => async () =>
    E.map((b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))(await bytesOf(id, input)),
  readText: (id, input) => async () => E.map((b: Buffer) => b.toString('utf8'))(await bytesOf(id, input)),
  readJson: (id, input) => async () => {
    const bytes = await bytesOf(id, input);
    if (E.isLeft(bytes)) return bytes;
    try {
      return E.right(JSON.parse(bytes.right.toString('utf8')) as unknown);
    } catch (cause) {
      return E.left(
        JobError.validation([
          {
            path: '(file)',
            message: `the file of job ${String(id)} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)}); read it with readText or readBytes`,
          },
        ]),
      );
    }
  },
});
