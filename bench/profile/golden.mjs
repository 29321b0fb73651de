// Behaviour fingerprint for issue 18's CPU diet: folds seeded random valid streams (jobledger/testing) and prints
// the fold's state, Job.toJson, Job.fromJson's result and a few bad inputs' errors as one text. Run before and
// after a change on dist/ and diff the two outputs: they must be identical.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const mod = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const kit = await import(pathToFileURL(path.join(root, 'dist', 'testing.js')).href);
const out = [];
const samples = fc.sample(kit.validJobStreamArb(), { seed: 18, numRuns: Number(process.argv[2] ?? 300) });
for (const recorded of samples) {
  const folded = mod.foldJobStream(kit.toStoredEvents(recorded));
  out.push(JSON.stringify(folded));
  if (folded._tag !== 'Right' || folded.right.job === null) continue;
  const text = mod.Job.toJson(folded.right.job);
  out.push(text);
  out.push(JSON.stringify(mod.Job.fromJson(text)));
  const wire = JSON.parse(text);
  wire.status_history[0].created = 'nope';
  if (wire.file.revisions[0]) wire.file.revisions[0].content_token.sha = 5;
  wire.comments.push({ id: '' });
  out.push(JSON.stringify(mod.Job.fromDict(wire)));
  out.push(JSON.stringify(mod.Job.fromDict({ ...wire, file: null, status_history: [1, 'x'] })));
}
process.stdout.write(out.join('\n') + '\n');
