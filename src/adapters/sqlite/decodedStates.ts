import type { JobState } from '../../domain/jobState.js';
import { deepFreeze } from '../memory/deepFreeze.js';
import { decodeJobState } from './jobStateJson.js';

/** A decoded state, the text it came from, and the state generation it was read in (when the reader knew it). */
interface Entry {
  readonly text: string;
  readonly state: JobState;
  readonly generation: number | undefined;
}

/** How many decoded job states a read model keeps by default (about 10 KiB each for a small job). */
export const defaultDecodedStates = 2048;

/**
 * The states of recently read jobs, decoded once: `decode(jobId, text)` answers the state of the stored JSON
 * `text`, from memory when the same job was last decoded from the very same text. The text is always read from
 * the database first, so an answer is never stale: a change by this process, by another process on the same
 * file, or by a rebuild gives another text, and the state is decoded again. Comparing the text (not only the
 * version) keeps that exact even when a rebuild by other code rewrites a row at the same version. A listing,
 * which reads many rows, asks by version and state generation instead (`atVersion`) and reads the text of the
 * rows it misses only.
 *
 * The states handed out are shared, so they are frozen (like the memory read model's): a caller who mutates one
 * gets a TypeError instead of rewriting what other readers see. Bounded: past `limit` jobs, the least recently
 * read is forgotten.
 *
 * @example
 * const states = decodedStates();
 * const state = states.decode(jobId, selectState.get(jobId)); // JSON.parse + revival once per change
 */
export const decodedStates = (limit = defaultDecodedStates) => {
  const entries = new Map<string, Entry>();
  const keep = (jobId: string, entry: Entry): void => {
    if (limit <= 0) return;
    if (entries.size >= limit) entries.delete(entries.keys().next().value!);
    entries.set(jobId, entry);
  };
  return {
    /**
     * The state of the stored JSON `text`. `generation`: the store's state generation read in the same
     * snapshot as `text`, which lets {@link atVersion} answer this state later without the text.
     */
    decode(jobId: string, text: string, generation?: number): JobState {
      const hit = entries.get(jobId);
      if (hit !== undefined) {
        // Most recently read last: the Map's order is the eviction order.
        entries.delete(jobId);
        if (hit.text === text) {
          entries.set(
            jobId,
            generation === undefined || hit.generation === generation ? hit : { ...hit, generation },
          );
          return hit.state;
        }
      }
      const state = deepFreeze(decodeJobState(text));
      keep(jobId, { text, state, generation });
      return state;
    },
    /**
     * The state kept for the job at `version` in state generation `generation` (both read in one snapshot by
     * the caller), or undefined. Exact because a state at a version changes only when the projection tables are
     * rewritten, and every rewrite moves to the next generation (migrations.ts, step 8).
     */
    atVersion(jobId: string, version: number, generation: number): JobState | undefined {
      const hit = entries.get(jobId);
      if (hit === undefined || hit.generation !== generation || hit.state.version !== version)
        return undefined;
      entries.delete(jobId);
      entries.set(jobId, hit);
      return hit.state;
    },
    /** Forgets a job (its row is gone). */
    forget(jobId: string): void {
      entries.delete(jobId);
    },
    /** How many states are kept (for tests). */
    get size(): number {
      return entries.size;
    },
  };
};

export type DecodedStates = ReturnType<typeof decodedStates>;
