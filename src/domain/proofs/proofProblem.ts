/**
 * What failed in an offline proof check, by what a reader must distrust:
 * - `malformed`: the proof is not a proof (wrong shape; the detail names the path);
 * - `wrong-key`: the digest was signed by another key than the one given (`keyId` differs);
 * - `signature`: the digest's signature does not verify (the digest or the signature changed);
 * - `event-hash`: an event's content does not hash to its recorded hash (data or metadata changed);
 * - `chain`: the job's events are not one unbroken chain from version 0 (missing, reordered, other job's);
 * - `inclusion`: an event's inclusion path does not lead to the digest's root (path, index or tree size changed);
 * - `replay`: the events do not replay through the status machine;
 * - `digest-mismatch`: the proof is against another digest than the one the checker trusts.
 */
export type ProofProblemKind =
  | 'malformed'
  | 'wrong-key'
  | 'signature'
  | 'event-hash'
  | 'chain'
  | 'inclusion'
  | 'replay'
  | 'digest-mismatch';

/** Why a proof did not check: the first failure found, with what to look at. */
export interface ProofProblem {
  readonly _tag: 'ProofProblem';
  readonly kind: ProofProblemKind;
  /** The event version it concerns, when it concerns one event. */
  readonly version?: number;
  readonly message: string;
}

export const proofProblem = (kind: ProofProblemKind, message: string, version?: number): ProofProblem => ({
  _tag: 'ProofProblem',
  kind,
  message,
  ...(version !== undefined && { version }),
});
