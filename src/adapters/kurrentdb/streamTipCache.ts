import type { StreamTip } from '../sealEvents.js';

/** A stream's last event as the store last saw it (read or appended): version, hash and `$all` position. */
export interface CachedTip extends StreamTip {
  readonly position: string;
}

/**
 * The tips of recently used streams, so that an append after a read of the whole stream (the ledger's command
 * loop) or after this store's own append does not read the tip again. A stale tip costs nothing but a retry:
 * the append names the exact revision it sealed after, and the server refuses it if the stream moved on.
 * Least recently used streams are forgotten beyond `size`.
 */
export const streamTipCache = (size: number) => {
  const tips = new Map<string, CachedTip>();
  return {
    get(streamId: string): CachedTip | undefined {
      const tip = tips.get(streamId);
      if (tip !== undefined) {
        tips.delete(streamId);
        tips.set(streamId, tip);
      }
      return tip;
    },
    /** Records a tip unless a later one is known (reads and appends may finish out of order). */
    set(streamId: string, tip: CachedTip): void {
      const known = tips.get(streamId);
      if (known !== undefined && known.version > tip.version) return;
      tips.delete(streamId);
      tips.set(streamId, tip);
      if (tips.size > size) tips.delete(tips.keys().next().value!);
    },
    delete(streamId: string): void {
      tips.delete(streamId);
    },
    clear(): void {
      tips.clear();
    },
  };
};
