import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder of this test run's compiled package (test/support/compiledPackageRun.ts). */
    compiledPackageDir: string;
  }
}

const root = resolve(import.meta.dirname, '../..');
const out = inject('compiledPackageDir');
/** The build's outcome: empty once the package is built, the build's output when it failed. */
const outcome = join(out, 'outcome');
const waitMs = 170_000;

const compile = (): void => {
  let failure = '';
  try {
    // package.json beside dist/ makes the output ESM.
    copyFileSync(join(root, 'package.json'), join(out, 'package.json'));
    const tsc = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(out, 'dist'),
      ],
      { cwd: root, encoding: 'utf8' },
    );
    // tsc emits even when some file elsewhere has a type error; only a missing entry point is fatal here.
    if (!existsSync(join(out, 'dist', 'index.js'))) failure = `${tsc.stdout}${tsc.stderr}${tsc.error ?? ''}`;
  } catch (error) {
    failure = String(error);
  }
  writeFileSync(`${outcome}.tmp`, failure);
  renameSync(`${outcome}.tmp`, outcome);
};

const outcomeOfBuild = async (): Promise<string> => {
  const start = Date.now();
  while (!existsSync(outcome)) {
    if (Date.now() - start > waitMs)
      throw new Error(`another test file's build of the package (${out}) did not finish within ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return readFileSync(outcome, 'utf8');
};

let built: Promise<void> | undefined;

/**
 * The package compiled as users get it (tsc, tsconfig.build.json), for tests that run it in child processes.
 * It is compiled once per test run, into .tmp/package-<run>/dist, by the first test file that asks; the others
 * wait for that build (its outcome file is the signal). Not into dist/, so a test never races a build someone
 * else is running; test/support/compiledPackageRun.ts names the folder and removes it when the run ends.
 */
export const compiledPackage = {
  dist: join(out, 'dist'),
  /** Resolves once `dist` holds the compiled package; fails with tsc's output when it could not be built. */
  build(): Promise<void> {
    built ??= (async () => {
      mkdirSync(out, { recursive: true });
      let first = true;
      try {
        mkdirSync(join(out, 'building'));
      } catch {
        first = false;
      }
      if (first) compile();
      const failure = await outcomeOfBuild();
      if (failure !== '') throw new Error(`building the package failed:\n${failure}`);
    })();
    return built;
  },
};
