import { expect } from 'vitest';
import { decodeJobState } from '../../src/adapters/sqlite/jobStateJson.js';
import type { ReadModelStore } from '../../src/projections/ReadModelStore.js';

/**
 * Asserts that each read model answers, for `getJob` and in a system listing of everything, exactly the state
 * the stored `text` decodes to afresh (nothing when there is no row): what the read paths answered before their
 * decoded states were kept.
 */
export const expectReadsFresh = async (
  readModels: readonly ReadModelStore[],
  jobId: string,
  text: string | undefined,
): Promise<void> => {
  const fresh = text === undefined ? undefined : decodeJobState(text);
  for (const readModel of readModels) {
    expect(await readModel.getJob(jobId)).toEqual(fresh);
    const all = await readModel.listJobs(
      { page: 1, size: 100, archiveStatus: 'all', sort: '-created' },
      { kind: 'system', id: 'system' },
    );
    expect(all.items.find((j) => j.id === jobId)).toEqual(fresh?.job ?? undefined);
  }
};
