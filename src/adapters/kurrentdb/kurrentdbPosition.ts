/**
 * A position in KurrentDB's `$all`: the commit and prepare positions of the transaction log. As our opaque
 * position string: `"<commit>:<prepare>"`, both decimal.
 */
export interface KurrentPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const pattern = /^(\d{1,20}):(\d{1,20})$/;

/** Encodes a `$all` position as our opaque position string. */
export const formatKurrentPosition = (p: KurrentPosition): string => `${p.commit}:${p.prepare}`;

/**
 * Reads a position string this store gave; an Error naming the store otherwise (positions of other stores
 * have other shapes and cannot be used here).
 */
export const parseKurrentPosition = (text: string, description: string): KurrentPosition => {
  const match = pattern.exec(text);
  if (match === null) {
    throw new Error(
      `${JSON.stringify(text)} is not a position of ${description} (positions look like "1234:1234"; pass one this store gave)`,
    );
  }
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
};

/** Orders positions by commit, then prepare: negative when `a` comes first. */
export const compareKurrentPositions = (a: KurrentPosition, b: KurrentPosition): number =>
  a.commit < b.commit
    ? -1
    : a.commit > b.commit
      ? 1
      : a.prepare < b.prepare
        ? -1
        : a.prepare > b.prepare
          ? 1
          : 0;
