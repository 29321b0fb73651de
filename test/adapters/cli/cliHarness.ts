import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../src/adapters/cli/CliIo.js';
import { memoryEventStore } from '../../../src/adapters/memory/memoryEventStore.js';
import { memoryBlobStore } from '../../../src/adapters/blobs/memoryBlobStore.js';
import type { BlobStore } from '../../../src/app/BlobStore.js';
import { openStore } from '../../../src/adapters/openStore.js';
import type { ProjectedEventStore } from '../../../src/projections/ReadModelStore.js';

/** File contents shared by every ledger over one kept store (each ledger would otherwise get fresh ones). */
const keptBlobs = new WeakMap<ProjectedEventStore, BlobStore>();

/**
 * A store whose `close` does nothing, so that several commands in one test share one `memory:` store; its file
 * contents are shared too (a `memory:` store's blob store is otherwise one per ledger).
 */
export const kept = (store: ProjectedEventStore): ProjectedEventStore => {
  if (!keptBlobs.has(store)) {
    const blobs = memoryBlobStore();
    keptBlobs.set(store, { ...blobs, close: async () => undefined });
  }
  return new Proxy(store, {
    get: (target, key) =>
      key === 'close'
        ? async () => undefined
        : key === 'defaultBlobStore'
          ? () => keptBlobs.get(store)
          : Reflect.get(target, key),
  });
};

/** An in-process CLI: captured output, an environment, and a store opener. */
export interface Harness {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
  /** Forgets the output captured so far. */
  clear(): void;
}

export const harness = (
  options: {
    env?: Record<string, string | undefined>;
    tty?: boolean;
    openStore?: (url: string) => ProjectedEventStore;
    now?: () => Date;
  } = {},
): Harness => {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    openStore: options.openStore ?? openStore,
    ...(options.now !== undefined && { now: options.now }),
  };
  return {
    io,
    stdout: () => out,
    stderr: () => err,
    clear: () => {
      out = '';
      err = '';
    },
  };
};

/** A harness whose `memory:` is one store for every command of the test. */
export const memoryHarness = (options: Parameters<typeof harness>[0] = {}) => {
  const store = memoryEventStore();
  return {
    store,
    ...harness({ ...options, openStore: (url) => (url === 'memory:' ? kept(store) : openStore(url)) }),
  };
};

/** A temporary directory for database files, removed by `cleanup`. */
export const tempDir = (): { readonly path: (name: string) => string; readonly cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-cli-'));
  return { path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
};

/** Every line a failure printed must be one line: `jobledger: <what>; <what to do>`. */
export const oneLineFailure = /^jobledger: [^\n]+; [^\n]+\n$/;
