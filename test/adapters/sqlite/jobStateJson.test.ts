import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/adapters/openStore.js';
import { decodeJobState, encodeJobState } from '../../../src/adapters/sqlite/jobStateJson.js';
import { createJobLedger } from '../../../src/app/createJobLedger.js';
import type { JobState } from '../../../src/domain/jobState.js';
import { foldJobStream } from '../../../src/domain/replay.js';

/** The state of a job with a comment and a property update, folded from its real stream. */
const jobState = async (): Promise<JobState> => {
  const ledger = createJobLedger({ store: openStore('memory:') });
  const alice = ledger.as({ kind: 'user', id: 'u-alice', tenantId: 't1' });
  const job = await alice.createJob({
    function: { id: 'fn-1' },
    file: { name: 'params.json', content: '{}' },
  })();
  if (E.isLeft(job)) throw new Error(job.left.message);
  await alice.addComment(job.right.id, { content: 'first' })();
  await alice.addComment(job.right.id, { content: 'second' })();
  const events = await alice.history(job.right.id)();
  await ledger.close()();
  if (E.isLeft(events)) throw new Error(events.left.message);
  const state = foldJobStream(events.right);
  if (E.isLeft(state)) throw new Error(state.left.message);
  return state.right;
};

describe('job state JSON (the read models’ jobs.state)', () => {
  it('reads back what it wrote, files and comments in the SDK’s shape with their dates', async () => {
    const state = await jobState();
    expect(decodeJobState(encodeJobState(state))).toStrictEqual(state);
  });

  it('brings a row written before the SDK shapes forward: comments exactly as a rebuild makes them', async () => {
    const state = await jobState();
    const job = state.job!;
    // The shapes an older jobledger stored: a flat file, comments of { id, created, jobId, content, createdById }.
    const {
      id: _i,
      created: _c,
      revisions: _r,
      archiveStatusHistory: _a,
      resourceId: _ri,
      resourceType: _rt,
      createdById: _cb,
      updated: _u,
      ...flat
    } = job.file;
    const old = {
      ...state,
      job: {
        ...job,
        file: flat,
        comments: job.comments.map((c) => ({
          id: c.id,
          created: c.created,
          jobId: c.jobId,
          content: c.content,
          createdById: c.createdById,
        })),
      },
    };
    const upgraded = decodeJobState(JSON.stringify(old));
    expect(upgraded.job!.comments).toStrictEqual(job.comments);
    // One revision, created with the job: the file comes out as the stream makes it.
    expect(upgraded.job!.file).toStrictEqual(job.file);
  });
});
