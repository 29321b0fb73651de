// Deterministic, not constant, large content for the child processes that stream big files: a 1 MiB pattern,
// each chunk's index in its first bytes, hashed as it is produced (nothing is kept in memory).
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/** `content()` yields `bytes` bytes in 1 MiB chunks (once); `sha256()` is their hash after it ran. */
export const generatedContent = (bytes) => {
  const chunkBytes = 1 << 20;
  const pattern = Buffer.alloc(chunkBytes);
  for (let i = 0; i < chunkBytes; i++) pattern[i] = (i * 131 + 17) & 0xff;
  const generated = createHash('sha256');
  async function* content() {
    for (let offset = 0, n = 0; offset < bytes; offset += chunkBytes, n++) {
      const chunk = Buffer.from(pattern.subarray(0, Math.min(chunkBytes, bytes - offset)));
      chunk.writeUInt32BE(n, 0);
      generated.update(chunk);
      yield chunk;
    }
  }
  return { content, sha256: () => generated.digest('hex') };
};
