/**
 * Whether a read model's checkpoint still belongs to the KurrentDB log it reads. A server that was reset (a new
 * database, a restored backup, another cluster behind the same name) has a different log: a checkpoint kept from
 * the old one points past the new log's end, where the server silently skips live events, or into the middle of
 * a record, which it answers with InvalidPosition forever. So the read model keeps, beside its checkpoint, the
 * identity of the log it was fed from, and the feeder checks both against the server before it subscribes.
 */

/** The row of a read model's checkpoints table (SQLite or Postgres) that keeps the identity. */
export const logIdentityRow = 'kurrentdb-log';

/** The ends of the log as the server has them now. */
export interface LogBounds {
  /** The first event of the log the store writes (its `$all` position and event id); none in an empty log. */
  readonly first?: { readonly position: string; readonly eventId: string };
  /** The position of the last record of `$all`; none in an empty log. */
  readonly head?: string;
}

/** What a read model keeps about the log it was fed from. */
export interface FedFrom {
  readonly checkpoint: string | null;
  /** The identity recorded with it (see {@link logIdentityOf}); null before one was recorded. */
  readonly identity: string | null;
}

/** The verdict: keep the read model (and record `identity`), or rebuild it from the log's start. */
export type CheckpointVerdict =
  | { readonly keep: true; readonly identity: string | null }
  | { readonly keep: false; readonly identity: string | null; readonly reason: string };

/** The identity of a log: where its first event is and which event that is. */
export const logIdentityOf = (bounds: LogBounds): string | null =>
  bounds.first === undefined ? null : `${bounds.first.position}/${bounds.first.eventId}`;

/**
 * Checks a read model's checkpoint against the log. Rebuild when the log's first event is not the one recorded
 * (another log), when the log is empty but the read model was fed events, or when the checkpoint lies past the
 * log's last record. A read model fed before identities were recorded keeps its checkpoint if it is within the
 * log, and records the identity now.
 *
 * @example
 * checkCheckpoint({ checkpoint: '900:900', identity: '10:10/e1' }, { first: { position: '10:10', eventId: 'e2' }, head: '950:950' }, compare);
 * // { keep: false, identity: '10:10/e2', reason: 'the log's first event is not the one this read model was fed from …' }
 */
export const checkCheckpoint = (
  fed: FedFrom,
  bounds: LogBounds,
  compare: (a: string, b: string) => number,
): CheckpointVerdict => {
  const identity = logIdentityOf(bounds);
  if (fed.identity !== null && fed.identity !== identity) {
    return {
      keep: false,
      identity,
      reason:
        identity === null
          ? `the log is empty, but this read model was fed from a log whose first event was ${fed.identity}: the server was reset`
          : `the log's first event is ${identity}, not ${fed.identity} as when this read model was fed: the server was reset or is another one`,
    };
  }
  if (fed.checkpoint !== null && (bounds.head === undefined || compare(fed.checkpoint, bounds.head) > 0)) {
    return {
      keep: false,
      identity,
      reason: `the checkpoint ${fed.checkpoint} lies past the end of the log (${bounds.head ?? 'empty'}): the server was reset`,
    };
  }
  return { keep: true, identity };
};

/** The read model side of the check: its checkpoint and identity, and how to start it over. */
export interface IdentifiedReadModel {
  checkpoint(): Promise<string | null>;
  reset(): Promise<void>;
  logIdentity(): Promise<string | null>;
  saveLogIdentity(identity: string | null): Promise<void>;
}

/**
 * Runs the check before the feeder subscribes: reads the log's bounds, resets the read model when its checkpoint
 * belongs to another log (telling `onRebuild` why), and records the log's identity. Resolves with the verdict.
 */
export const checkFeedCheckpoint = async (
  readModel: IdentifiedReadModel,
  bounds: () => Promise<LogBounds>,
  compare: (a: string, b: string) => number,
  onRebuild: (reason: string) => void,
): Promise<CheckpointVerdict> => {
  const fed = { checkpoint: await readModel.checkpoint(), identity: await readModel.logIdentity() };
  const verdict = checkCheckpoint(fed, await bounds(), compare);
  if (!verdict.keep) {
    onRebuild(verdict.reason);
    await readModel.reset();
  }
  if (!verdict.keep || verdict.identity !== fed.identity) await readModel.saveLogIdentity(verdict.identity);
  return verdict;
};
