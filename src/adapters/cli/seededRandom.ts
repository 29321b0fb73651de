/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same demo, so a run can be
 * repeated when something in it looks wrong.
 *
 * @example
 * const random = seededRandom(1);
 * random(); // a number in [0, 1), the same on every machine for seed 1
 */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
