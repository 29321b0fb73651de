// The top self-time frames of a .cpuprofile (as written by the profile targets here or `node --cpu-prof`):
//   node bench/profile/top.mjs /tmp/prof/postgres-claims.cpuprofile [count]
import fs from 'node:fs';
import path from 'node:path';

const [file, count = '25'] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/profile/top.mjs FILE.cpuprofile [COUNT]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
let total = 0;
for (const [id, n] of hits) {
  const node = byId.get(id);
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + n);
  total += n;
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(count));
for (const [key, n] of rows) console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
