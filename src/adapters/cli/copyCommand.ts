import { resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { WrongExpectedVersion } from '../../domain/EventStore.js';
import { cliFailure, usageFailure, type CliFailure } from './cliFailure.js';
import { clockOf } from './CliIo.js';
import { copyEventLog, streamTips } from './copyEventLog.js';
import { copyFileContents, storedContents } from './copyFileContents.js';
import { defaultBlobStore } from '../../app/defaultBlobStore.js';
import { defineCommand } from './defineCommand.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { sqliteFileOf, withLedger, withStore } from './openCommandStore.js';
import { formatCount, progressBar } from './progressBar.js';
import { formatRate, formatSeconds } from './rate.js';
import { printProblems } from './verifyCommand.js';

/** Two URLs that name one store (same string, or the same SQLite file). */
const sameStore = (a: string, b: string): boolean => {
  const fa = sqliteFileOf(a);
  const fb = sqliteFileOf(b);
  return a === b || (fa !== undefined && fb !== undefined && resolve(fa) === resolve(fb));
};

const conflictFailure = (
  wrong: WrongExpectedVersion,
  from: string,
  to: string,
  copied: number,
): CliFailure => {
  const { streamId, expected, actual } = wrong;
  const expectedVersion = expected === 'no-stream' ? -1 : typeof expected === 'number' ? expected : undefined;
  const actualVersion = actual === 'no-stream' ? -1 : actual;
  const before = `(${formatCount(copied)} events were copied before it stopped)`;
  if (expectedVersion !== undefined && actualVersion < expectedVersion) {
    return cliFailure(
      `the source ${from} skips versions in ${streamId}: the target has it up to version ${actualVersion}, the next source event is version ${expectedVersion + 1} ${before}`,
      `run jobledger verify --store ${from}, and start again with an empty target`,
    );
  }
  return cliFailure(
    `the target ${to} already holds ${streamId} up to version ${actualVersion} ${before}: this copy ran before, or the target is not empty`,
    `copy into an empty store: remove the target${sqliteFileOf(to) === undefined ? '' : ` file ${sqliteFileOf(to)} (with its -wal and -shm files)`} or choose another --to`,
  );
};

/**
 * `jobledger copy --from URL --to URL`: copies the log with its hashes (see {@link copyEventLog}), verifies the
 * target and compares the last hash of every stream.
 */
export const copyCommand = defineCommand({
  command: 'copy',
  summary: 'copy the whole event log to another store, hashes intact, and verify the copy',
  description: `Copies every event of the store at --from into the store at --to (normally a new, empty one), keeping event ids, times, actors and data, so every hash comes out identical. Then verifies the target and checks that the last hash of every stream equals the source's. A repeated or partial copy stops with an error instead of duplicating events.

A large log copies several times faster into sqlite:./copy.db?synchronous=normal; should the machine crash during the copy, delete the target and copy again.`,
  options: {
    from: {
      type: 'string',
      value: 'URL',
      description: 'the source store, e.g. sqlite:./jobledger.db (required)',
    },
    to: {
      type: 'string',
      value: 'URL',
      description: 'the target store, e.g. sqlite:./copy.db (required; created when missing)',
    },
    'batch-bytes': {
      type: 'string',
      value: 'N',
      description:
        'bytes of events per append at most (default 524288): a KurrentDB target refuses appends over its MaxAppendSize (1 MiB by default)',
    },
  },
  run: async ({ values }, io) => {
    const { from, to } = values;
    const batchBytesText = values['batch-bytes'];
    const batchBytes = batchBytesText === undefined ? undefined : Number(batchBytesText);
    if (batchBytes !== undefined && !(Number.isSafeInteger(batchBytes) && batchBytes > 0)) {
      return usageFailure(
        `--batch-bytes ${batchBytesText} is not a positive number of bytes`,
        'write e.g. --batch-bytes 262144',
      );
    }
    if (from === undefined || to === undefined) {
      return usageFailure(
        `copy needs ${from === undefined ? '--from' : '--to'}`,
        'write jobledger copy --from sqlite:./jobledger.db --to sqlite:./copy.db',
      );
    }
    if (sameStore(from, to))
      return usageFailure(`--from and --to name the same store ${to}`, 'copy into another store');
    const clock = clockOf(io);
    return withStore(from, io, { mustExist: true }, (source) =>
      withLedger(to, io, { mustExist: false }, async (target) => {
        const started = clock().getTime();
        const bar = progressBar(io.stderr, { label: 'copy', unit: 'events' });
        let copiedSoFar = 0;
        const contents = storedContents();
        const copied = await copyEventLog(source, target.store, {
          onEvent: contents.see,
          ...(batchBytes !== undefined && { batchBytes }),
          onProgress: (n) => {
            copiedSoFar = n;
            bar.update(n, formatRate(n, clock().getTime() - started, 'events'));
          },
        });
        bar.finish();
        if (E.isLeft(copied)) {
          const error = copied.left;
          return error._tag === 'WrongExpectedVersion'
            ? conflictFailure(error, from, to, copiedSoFar)
            : jobErrorFailure(error, `copy from ${from} to ${to}`);
        }
        const { events, tips } = copied.right;
        const elapsed = clock().getTime() - started;
        io.stdout.write(
          `copied ${formatCount(events)} events in ${formatCount(tips.size)} streams from ${from} to ${to} in ${formatSeconds(elapsed)} (${formatRate(events, elapsed, 'events')})\n`,
        );

        const sourceFiles = defaultBlobStore(source);
        try {
          const files = await copyFileContents(contents.shas, sourceFiles, target.files);
          if (E.isLeft(files))
            return cliFailure(
              `copying file contents to ${to}: ${files.left.message}`,
              'the events were copied; fix the cause and copy into an empty store again',
            );
          if (files.right.copied > 0)
            io.stdout.write(
              `copied ${formatCount(files.right.copied)} file contents (${formatCount(files.right.bytes)} bytes) to ${target.files.description}\n`,
            );
        } finally {
          await sourceFiles.close();
        }

        const verified = await target.verify()();
        if (E.isLeft(verified)) return jobErrorFailure(verified.left, `verify of ${to}`);
        if (!verified.right.ok) {
          printProblems(io, verified.right);
          return cliFailure(
            `the copy in ${to} does not verify (${formatCount(verified.right.problems.length)} problems)`,
            `run jobledger verify --store ${from}: the source itself may be damaged`,
          );
        }
        const copiedTips = await streamTips(target.store, new Set(tips.keys()));
        const differing = [...tips].filter(([streamId, tip]) => {
          const got = copiedTips.get(streamId);
          return got === undefined || got.version !== tip.version || got.hash !== tip.hash;
        });
        if (differing.length > 0) {
          const [streamId, tip] = differing[0]!;
          const got = copiedTips.get(streamId);
          return cliFailure(
            `${formatCount(differing.length)} streams end differently in ${to} than in ${from}, first ${streamId}: source version ${tip.version} hash ${tip.hash.slice(0, 12)}, target ${got === undefined ? 'missing' : `version ${got.version} hash ${got.hash.slice(0, 12)}`}`,
            'the stores seal events differently; report it with both files',
          );
        }
        io.stdout.write(
          `verified ${to}: ${formatCount(verified.right.events)} events in ${formatCount(verified.right.streams)} streams, every hash matches; the last hash of all ${formatCount(tips.size)} copied streams equals the source's\n`,
        );
        return 0;
      }),
    );
  },
});
