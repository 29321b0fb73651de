/**
 * A global position of the Postgres store: the id of the transaction that wrote the event (`xid8`) and the
 * event's sequence number, in that order (see the ordering note in `migrations.ts`). As a string:
 * `"<txId>:<seq>"`, both decimal.
 */
export interface PostgresPosition {
  readonly txId: bigint;
  readonly seq: bigint;
}

/** Where reading starts when no position is given. */
export const startPosition: PostgresPosition = { txId: 0n, seq: 0n };

const pattern = /^(\d{1,20}):(\d{1,20})$/;

/** Reads a position string; throws an Error naming the store when it is not one of its positions. */
export const parsePostgresPosition = (text: string | undefined, description: string): PostgresPosition => {
  if (text === undefined) return startPosition;
  const match = typeof text === 'string' ? pattern.exec(text) : null;
  if (match === null) {
    throw new Error(
      `${JSON.stringify(text)} is not a position of ${description} (positions look like "812:4051"; pass one this store gave)`,
    );
  }
  return { txId: BigInt(match[1]!), seq: BigInt(match[2]!) };
};

export const formatPostgresPosition = (p: PostgresPosition): string => `${p.txId}:${p.seq}`;

/** Orders positions: negative when `a` comes first. */
export const comparePostgresPositions = (a: PostgresPosition, b: PostgresPosition): number =>
  a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
