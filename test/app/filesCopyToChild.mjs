// Child process of filesLarge.test.ts: uploads `bytes` of generated content into a filesystem blob store and
// copies it out with copyTo, then prints what it measured as one JSON line. Run on the compiled package.
import { join } from 'node:path';
import { generatedContent } from '../support/generatedContent.mjs';

const [dist, workDir, bytesArg] = process.argv.slice(2);
const { createJobLedger, openStore, filesystemBlobStore } = await import(join(dist, 'index.js'));
const bytes = Number(bytesArg);
const { content, sha256: generatedSha256 } = generatedContent(bytes);

const ledger = createJobLedger({
  store: openStore('memory:'),
  files: filesystemBlobStore({ dir: join(workDir, 'files') }),
  maxFileBytes: bytes,
});
const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
const started = Date.now();
const created = await alice.createJob({
  function: { id: 'fn-1' },
  file: { name: 'big.bin', content: content() },
})();
if (created._tag === 'Left') throw new Error(created.left.message);
const uploadMs = Date.now() - started;
const copyStarted = Date.now();
const copied = await alice.copyTo(created.right.id, join(workDir, 'copy.bin'))();
if (copied._tag === 'Left') throw new Error(copied.left.message);
const copyMs = Date.now() - copyStarted;
await ledger.close()();
console.log(
  JSON.stringify({
    recordedSha256: created.right.file.sha256,
    recordedSize: created.right.file.size,
    generatedSha256: generatedSha256(),
    copiedBytes: copied.right.bytes,
    uploadMs,
    copyMs,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
