/**
 * The pause after each failed claim while the store or server is unreachable: doubling from `initialMs` up to
 * `maxMs`, with full jitter so that many workers do not come back in step. `outage` tells the first failure of an
 * outage (report it once) from the ones after it. @internal
 */
export interface OutageBackoff {
  /** Records a failure; answers the pause before the next try and whether this failure started an outage. */
  failed(): { delayMs: number; started: boolean };
  /** Records a success; answers whether it ended an outage. */
  succeeded(): boolean;
}

export const outageBackoff = (
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): OutageBackoff => {
  let failures = 0;
  return {
    failed() {
      failures++;
      const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
      return { delayMs: Math.round(ceiling / 2 + (random() * ceiling) / 2), started: failures === 1 };
    },
    succeeded() {
      const ended = failures > 0;
      failures = 0;
      return ended;
    },
  };
};
