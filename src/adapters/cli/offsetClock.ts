/** A clock that follows a base clock but can jump ahead, for simulating time passing without waiting. */
export interface OffsetClock {
  now(): Date;
  /** Moves this clock (not the base) `ms` ahead for good, and answers the new time. */
  skip(ms: number): Date;
}

/**
 * The demo's clock: real time plus every skip so far. Skipping past a lease makes `expireLeases` reclaim the
 * jobs of "crashed" agents at once, and recorded times still only move forward.
 *
 * @example
 * const clock = offsetClock(() => new Date());
 * clock.skip(61_000); // a minute later, without waiting for it
 */
export const offsetClock = (base: () => Date): OffsetClock => {
  let offset = 0;
  return {
    now: () => new Date(base().getTime() + offset),
    skip: (ms) => {
      offset += ms;
      return new Date(base().getTime() + offset);
    },
  };
};
