// Child process of clientLargeFile.test.ts: streams `bytes` of generated content to serve through the compiled
// client (createJob with content), copies it back out with copyTo, and prints one JSON line of what it measured.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const [dist, url, workDir, bytesArg] = process.argv.slice(2);
const { createJobLedgerClient } = await import(join(dist, 'client.js'));
const bytes = Number(bytesArg);
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

const client = createJobLedgerClient({
  url,
  token: 'alice-token',
  cacheDir: join(workDir, 'cache'),
  timeoutMs: 120_000,
});
const created = await client.createJob({
  function: { id: 'fn-big' },
  file: { name: 'big.bin', content: content() },
})();
if (created._tag === 'Left') throw new Error(created.left.message);
const copied = await client.copyTo(created.right.id, join(workDir, 'copy.bin'))();
if (copied._tag === 'Left') throw new Error(copied.left.message);
await client.close();
console.log(
  JSON.stringify({
    recordedSha256: created.right.file.sha256,
    generatedSha256: generated.digest('hex'),
    copiedBytes: copied.right.bytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
