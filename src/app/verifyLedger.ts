import * as E from 'fp-ts/lib/Either.js';
import type { EventStore } from '../domain/EventStore.js';
import type { BlobStore } from './BlobStore.js';
import { checkBlob } from './jobFiles.js';
import { decodeJobEvent } from '../domain/upcasters.js';
import { hashMatches } from '../domain/hashChain.js';
import type { UpcasterRegistry } from '../domain/upcasters.js';
import { createStreamVerifier, type VerifyProblem, type VerifyReport } from '../domain/verifyStream.js';

/** Progress of a verify run. */
export interface VerifyProgress {
  readonly events: number;
  readonly streams: number;
}

/**
 * Reads the whole log once and checks every stream: versions without gaps and the hash chain everywhere, and
 * for job streams that each event decodes and each status change is an edge of the machine.
 * @internal
 */
export const verifyLedger = async (
  store: EventStore,
  upcasters: UpcasterRegistry,
  onProgress?: (p: VerifyProgress) => void,
  files?: BlobStore,
): Promise<VerifyReport> => {
  // Every stored file revision, by sha256: checked once each after the log, however many jobs share it.
  const contents = new Map<string, { streamId: string; version: number; what: string }[]>();
  const jobStreams = new Map<string, ReturnType<typeof createStreamVerifier>>();
  const otherStreams = new Map<string, { version: number; hash: string }>();
  const otherProblems: VerifyProblem[] = [];
  let events = 0;
  for await (const event of store.readAll({ batchSize: 5000 })) {
    events++;
    if (event.streamId.startsWith('job-')) {
      let verifier = jobStreams.get(event.streamId);
      if (verifier === undefined) {
        verifier = createStreamVerifier(event.streamId, upcasters);
        jobStreams.set(event.streamId, verifier);
      }
      verifier.push(event);
      if (files !== undefined && (event.type === 'JobCreated' || event.type === 'JobFileRevisionAdded')) {
        const decoded = decodeJobEvent(event, upcasters);
        if (E.isRight(decoded)) {
          const e = decoded.right;
          const ref =
            e.type === 'JobCreated' && e.data.fileStored === true && e.data.file.sha256 !== undefined
              ? { sha256: e.data.file.sha256, what: `file revision 1 (${e.data.file.name})` }
              : e.type === 'JobFileRevisionAdded'
                ? { sha256: e.data.sha256, what: `file revision ${e.data.revision} (${e.data.name})` }
                : undefined;
          if (ref !== undefined) {
            const refs = contents.get(ref.sha256) ?? [];
            refs.push({ streamId: event.streamId, version: event.version, what: ref.what });
            contents.set(ref.sha256, refs);
          }
        }
      }
    } else {
      // Streams that are not jobs (other applications' events) only get the chain and version checks.
      const tip = otherStreams.get(event.streamId) ?? { version: -1, hash: '' };
      const problem = (kind: VerifyProblem['kind'], detail: string) =>
        otherProblems.push({ streamId: event.streamId, version: event.version, kind, detail });
      if (event.version !== tip.version + 1)
        problem('version-gap', `expected version ${tip.version + 1}, found ${event.version}`);
      if (event.metadata.prevHash !== tip.hash || !hashMatches(event))
        problem('hash-mismatch', 'the hash chain is broken here');
      otherStreams.set(event.streamId, { version: event.version, hash: event.metadata.hash });
    }
    if (onProgress !== undefined && events % 10_000 === 0)
      onProgress({ events, streams: jobStreams.size + otherStreams.size });
  }
  const fileProblems: VerifyProblem[] = [];
  if (files !== undefined) {
    for (const [sha256, refs] of contents) {
      const wrong = await checkBlob(files, sha256);
      if (wrong === undefined) continue;
      for (const ref of refs) {
        fileProblems.push({
          streamId: ref.streamId,
          version: ref.version,
          kind: wrong.kind,
          detail: `${ref.what}: ${wrong.detail}; restore the content from a backup`,
        });
      }
    }
  }
  const problems = [
    ...otherProblems,
    ...[...jobStreams.values()].flatMap((v) => v.finish()),
    ...fileProblems,
  ];
  return { ok: problems.length === 0, streams: jobStreams.size + otherStreams.size, events, problems };
};
