import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Vitest global setup: names the folder this run compiles the package into (test/support/compiledPackage.ts
 * compiles it there when a test first needs it) and removes it when the run ends.
 */
export default function compiledPackageRun(project: TestProject): () => void {
  const dir = join(
    resolve(import.meta.dirname, '../..'),
    '.tmp',
    `package-${process.pid}-${Date.now().toString(36)}`,
  );
  project.provide('compiledPackageDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
