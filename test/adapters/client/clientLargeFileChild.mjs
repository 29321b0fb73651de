// Child process of clientLargeFile.test.ts: streams `bytes` of generated content to serve through the compiled
// client (createJob with content), copies it back out with copyTo, and prints one JSON line of what it measured.
import { join } from 'node:path';
import { generatedContent } from '../../support/generatedContent.mjs';

const [dist, url, workDir, bytesArg] = process.argv.slice(2);
const { createJobLedgerClient } = await import(join(dist, 'client.js'));
const bytes = Number(bytesArg);
const { content, sha256: generatedSha256 } = generatedContent(bytes);

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
    generatedSha256: generatedSha256(),
    copiedBytes: copied.right.bytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
