import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/**
 * Compiles the package as users get it (tsc, tsconfig.build.json) into .tmp/<name>-<pid>/dist, for tests that
 * run it in child processes. Not into dist/, so a test never races a build someone else is running.
 */
export const compilePackage = (name: string) => {
  const out = join(root, '.tmp', `${name}-${process.pid}`);
  const dist = join(out, 'dist');
  return {
    out,
    dist,
    build(): void {
      mkdirSync(out, { recursive: true });
      // package.json beside dist/ makes the output ESM.
      copyFileSync(join(root, 'package.json'), join(out, 'package.json'));
      const tsc = spawnSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist],
        { cwd: root, encoding: 'utf8' },
      );
      // tsc emits even when some file elsewhere has a type error; only a missing entry point is fatal here.
      if (!existsSync(join(dist, 'index.js')))
        throw new Error(`building the package failed:\n${tsc.stdout}${tsc.stderr}`);
    },
    cleanup(): void {
      rmSync(out, { recursive: true, force: true });
    },
  };
};
