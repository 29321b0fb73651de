import type { JobState } from '../../domain/jobState.js';
import { deepFreeze } from '../memory/deepFreeze.js';
import { decodeJobState } from './jobStateJson.js';

/** How many decoded job states a read model keeps by default (about 10 KiB each for a small job). */
export const defaultDecodedStates = 2048;

/**
 * The states of recently read jobs, decoded once: `decode(jobId, text)` answers the state of the stored JSON
 * `text`, from memory when the same job was last decoded from the very same text. The text is always read from
 * the database first, so an answer is never stale: a change by this process, by another process on the same
 * file, or by a rebuild gives another text, and the state is decoded again. Comparing the text (not only the
 * version) keeps that exact even when a rebuild by other code rewrites a row at the same version.
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
  const entries = new Map<string, { readonly text: string; readonly state: JobState }>();
  return {
    decode(jobId: string, text: string): JobState {
      const hit = entries.get(jobId);
      if (hit !== undefined) {
        // Most recently read last: the Map's order is the eviction order.
        entries.delete(jobId);
        if (hit.text === text) {
          entries.set(jobId, hit);
          return hit.state;
        }
      }
      const state = deepFreeze(decodeJobState(text));
      if (limit > 0) {
        if (entries.size >= limit) entries.delete(entries.keys().next().value!);
        entries.set(jobId, { text, state });
      }
      return state;
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
