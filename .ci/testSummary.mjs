// The closing line of .ci/run, from vitest's JSON result and vitest's exit status:
//   N passed, N failed[, N skipped: <suite> (<why>), ...]
// A failure that no test counts (a file that fails to import, a beforeAll that throws and leaves its tests
// "skipped", an unhandled error after the tests) is still a failure here: this line never says "0 failed" when
// the run failed. Skipped tests are named by their suite, whose title says why (test/support/optionalService.ts),
// so a skip is never mistaken for coverage.
//
// node .ci/testSummary.mjs <result.json> <vitest exit status>   (exits 1 when anything failed)
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [resultFile, statusArg] = process.argv.slice(2);
const status = Number(statusArg ?? 1);

if (resultFile === undefined || !existsSync(resultFile)) {
  console.log(`0 passed, 1 failed: vitest wrote no result (exit status ${status}); see the log above`);
  process.exit(1);
}

const result = JSON.parse(readFileSync(resultFile, 'utf8'));
const files = result.testResults ?? [];
const where = (file) => relative(process.cwd(), file.name);
const failures = [];

for (const file of files) {
  const tests = file.assertionResults ?? [];
  for (const test of tests.filter((t) => t.status === 'failed'))
    failures.push(`${where(file)}: ${test.fullName}`);
  // A failed file without a failed test: it did not import, or a hook failed and its tests never ran.
  if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
    const notRun = tests.filter((t) => t.status !== 'passed').length;
    const why = file.message ? file.message.split('\n')[0] : 'a hook (beforeAll/afterAll) failed';
    failures.push(`${where(file)}: ${why}${notRun > 0 ? ` (${notRun} of its tests did not run)` : ''}`);
  }
}
// Vitest failed the run for something outside every test and file (an unhandled error, a failed teardown).
if (failures.length === 0 && (status !== 0 || result.success === false))
  failures.push(
    `vitest exited with status ${status} outside any test; see "Unhandled Errors" in the log above`,
  );

// Skipped tests of files that ran, named by their outermost suite.
const skipped = new Map();
for (const file of files) {
  if (file.status === 'failed') continue;
  for (const test of file.assertionResults ?? []) {
    if (test.status !== 'skipped' && test.status !== 'pending' && test.status !== 'todo') continue;
    const suite = test.ancestorTitles?.[0] ?? `${where(file)}: ${test.title}`;
    skipped.set(suite, (skipped.get(suite) ?? 0) + 1);
  }
}

for (const failure of failures) console.log(`FAILED ${failure}`);
const skippedCount = [...skipped.values()].reduce((n, c) => n + c, 0);
const skippedText =
  skippedCount === 0
    ? ''
    : `, ${skippedCount} skipped: ${[...skipped]
        .map(([suite, n]) => (skipped.size > 1 ? `${suite} (${n})` : suite))
        .join(', ')}`;
console.log(`${result.numPassedTests ?? 0} passed, ${failures.length} failed${skippedText}`);
process.exit(failures.length > 0 || status !== 0 ? 1 : 0);
