import * as E from 'fp-ts/lib/Either.js';
import type { VerifyReport } from '../../domain/verifyStream.js';
import type { LedgerDigest } from '../../domain/proofs/signedDigest.js';
import { digestOption, readJsonFile, readOptionFile } from './proofFiles.js';
import { cliFailure } from './cliFailure.js';
import { clockOf, type CliIo } from './CliIo.js';
import { defineCommand } from './defineCommand.js';
import { formatTable } from './formatTable.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { storeOption, storeUrlOf, withLedger } from './openCommandStore.js';
import { formatCount, progressBar } from './progressBar.js';
import { formatRate, formatSeconds } from './rate.js';

/** Prints a report's problems as a table (stream, version, kind, detail) on stdout. */
export const printProblems = (io: CliIo, report: VerifyReport): void => {
  io.stdout.write(
    formatTable(
      [
        { header: 'stream' },
        { header: 'version', align: 'right' },
        { header: 'problem' },
        { header: 'detail' },
      ],
      report.problems.map((p) => [p.streamId, String(p.version), p.kind, p.detail]),
    ),
  );
};

const plural = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`;

/** `jobledger verify`: OK with the counts (exit 0), or every problem by stream and version (exit 1). */
export const verifyCommand = defineCommand({
  command: 'verify',
  summary: 'check every hash and re-run every job stream through the status machine',
  description:
    "Reads the whole event log once: recomputes every event's hash and the chain of each stream, checks that versions have no gaps, that every event decodes, and that every status change is an edge of the status machine. Prints OK with the counts (exit 0), or each problem with its stream and version (exit 1).",
  options: {
    store: storeOption,
    digest: {
      ...digestOption,
      description:
        'also recompute the Merkle tree of the log and compare it with this signed digest (jobledger digest): detects a stream rewritten with every hash redone',
    },
    key: { type: 'string', value: 'PUB', description: 'the public key that signed --digest (PEM)' },
  },
  run: async ({ values }, io) => {
    const url = storeUrlOf(values.store, io);
    const clock = clockOf(io);
    let digest: { digest: LedgerDigest; publicKey?: string } | undefined;
    if (values.digest !== undefined) {
      const read = readJsonFile(values.digest, 'digest');
      if (E.isLeft(read)) return read.left;
      const pem = values.key === undefined ? undefined : readOptionFile(values.key, 'public key');
      if (pem !== undefined && E.isLeft(pem)) return pem.left;
      digest = { digest: read.right as LedgerDigest, ...(pem !== undefined && { publicKey: pem.right }) };
    }
    return withLedger(url, io, { mustExist: true }, async (ledger) => {
      const started = clock().getTime();
      const bar = progressBar(io.stderr, { label: 'verify', unit: 'events' });
      const verified = await ledger.verify({
        onProgress: (p) => bar.update(p.events, `${plural(p.streams, 'stream')}`),
        ...digest,
      })();
      bar.finish();
      if (E.isLeft(verified)) return jobErrorFailure(verified.left, 'verify');
      const report = verified.right;
      const elapsed = clock().getTime() - started;
      if (report.ok) {
        io.stdout.write(
          `OK: ${plural(report.events, 'event')} in ${plural(report.streams, 'stream')} of ${url}: every hash matches and every job follows the status machine${digest === undefined ? '' : `, and its first ${formatCount(digest.digest.treeSize)} events have the signed root of ${values.digest}`} (${formatSeconds(elapsed)}, ${formatRate(report.events, elapsed, 'events')})\n`,
        );
        return 0;
      }
      printProblems(io, report);
      const streams = new Set(report.problems.map((p) => p.streamId)).size;
      return cliFailure(
        `verify found ${plural(report.problems.length, 'problem')} in ${plural(streams, 'stream')} of ${url} (${plural(report.events, 'event')} read)`,
        'the log was changed or damaged after it was written; restore the store from a copy that verifies, and see jobledger history <jobId> for the jobs named above',
      );
    });
  },
});
