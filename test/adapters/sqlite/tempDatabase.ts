import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory for database files, removed by `cleanup`. */
export const tempDatabases = (): {
  readonly file: (name?: string) => string;
  readonly cleanup: () => void;
} => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-sqlite-'));
  let n = 0;
  return {
    file: (name) => join(dir, name ?? `store-${n++}.db`),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
};
