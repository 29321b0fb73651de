import * as E from 'fp-ts/lib/Either.js';
import { storedHashMatches } from './hashChain.js';
import type { JobStatusName } from './JobStatusName.js';
import type { StoredEvent } from './storedEvent.js';
import { canTransition } from './transitionTable.js';
import { decodeJobEvent, defaultUpcasters, type UpcasterRegistry } from './upcasters.js';

/**
 * What is wrong. `file-missing` and `file-altered` come from the ledger's check of file contents: the blob store
 * lacks the bytes of a recorded file revision, or they no longer hash to the recorded sha256. `digest-mismatch`
 * comes from `verify({ digest })`: the log's Merkle tree no longer has the signed root (stream `$all`).
 */
export type VerifyProblemKind =
  | 'hash-mismatch'
  | 'illegal-transition'
  | 'decode-failure'
  | 'version-gap'
  | 'file-missing'
  | 'file-altered'
  | 'digest-mismatch';

/** One thing wrong with a stored stream. */
export interface VerifyProblem {
  readonly streamId: string;
  readonly version: number;
  readonly kind: VerifyProblemKind;
  readonly detail: string;
}

/** The result of `ledger.verify()`. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly streams: number;
  readonly events: number;
  readonly problems: readonly VerifyProblem[];
}

/**
 * Checks one stream event by event: versions without gaps, the hash chain, that each event decodes, and that
 * every status change is an edge of the machine (folded through the flat table, not through XState).
 * Feed it the events of one stream in version order; call `finish()` for the problems.
 */
export const createStreamVerifier = (streamId: string, upcasters: UpcasterRegistry = defaultUpcasters) => {
  const problems: VerifyProblem[] = [];
  let expectedVersion = 0;
  let prevHash = '';
  let status: JobStatusName | null = null;
  const add = (version: number, kind: VerifyProblemKind, detail: string) =>
    problems.push({ streamId, version, kind, detail });
  return {
    push(event: StoredEvent): void {
      if (event.version !== expectedVersion) {
        add(event.version, 'version-gap', `expected version ${expectedVersion}, found ${event.version}`);
      }
      expectedVersion = event.version + 1;
      if (event.metadata.prevHash !== prevHash) {
        add(event.version, 'hash-mismatch', `prevHash does not match the hash of the event before`);
      } else if (!storedHashMatches(event)) {
        add(
          event.version,
          'hash-mismatch',
          `stored hash does not match the event's content (changed after it was written)`,
        );
      }
      prevHash = event.metadata.hash;
      const decoded = decodeJobEvent(event, upcasters);
      if (E.isLeft(decoded)) {
        add(event.version, 'decode-failure', decoded.left.message);
        return;
      }
      const e = decoded.right;
      if (e.type === 'JobCreated') {
        if (status !== null)
          add(event.version, 'illegal-transition', 'JobCreated on a job that already exists');
        status = 'Created';
      } else if (e.type === 'JobStatusChanged') {
        if (status === null) {
          add(
            event.version,
            'illegal-transition',
            `status change ${e.data.from} -> ${e.data.to} before JobCreated`,
          );
        } else if (e.data.from !== status) {
          add(event.version, 'illegal-transition', `recorded from ${e.data.from}, but the job was ${status}`);
        } else if (!canTransition(status, e.data.to)) {
          add(
            event.version,
            'illegal-transition',
            `${status} -> ${e.data.to} is not an edge of the job machine`,
          );
        }
        status = e.data.to;
      }
    },
    finish(): readonly VerifyProblem[] {
      return problems;
    },
  };
};
