import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name, as users do; tests run them against the sources.
    alias: [
      { find: /^jobledger\/testing$/, replacement: src('testing.ts') },
      { find: /^jobledger\/client$/, replacement: src('client.ts') },
      { find: /^jobledger$/, replacement: src('index.ts') },
    ],
  },
  test: {
    // The testing recipes are tests themselves, so they run with the suite and cannot rot.
    include: ['test/**/*.test.ts', 'examples/testing/**/*.test.ts'],
    // One compiled package per run, for the tests that run it in child processes.
    globalSetup: ['test/support/compiledPackageRun.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.vitest-result.json' }]],
  },
});
