// Child process of cacheProcesses.test.ts: reads one job's file `rounds` times through the compiled client with a
// shared cache directory, emptying the cache every third round, and prints one JSON line of what it saw.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const [dist, url, cacheDir, jobId, rounds] = process.argv.slice(2);
const { createJobLedgerClient } = await import(join(dist, 'client.js'));
const client = createJobLedgerClient({ url, token: 'alice-token', cacheDir });
const hashes = [];
const failures = [];
for (let i = 0; i < Number(rounds); i++) {
  const read = await client.readBytes(jobId)();
  if (read._tag === 'Left') failures.push(read.left.message);
  else hashes.push(createHash('sha256').update(read.right).digest('hex'));
  if (i % 3 === 2) await client.cleanupCache()();
}
await client.close();
process.stdout.write(`${JSON.stringify({ hashes, failures })}\n`);
