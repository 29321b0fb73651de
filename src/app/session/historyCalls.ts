import * as E from 'fp-ts/lib/Either.js';
import { decodeWith } from '../../domain/codecs/decode.js';
import { inputCodecs } from '../../domain/codecs/inputs.js';
import { JobError } from '../../domain/errors.js';
import type { JobState } from '../../domain/jobState.js';
import { foldJobStream } from '../../domain/replay.js';
import type { StoredEvent } from '../../domain/storedEvent.js';
import type { JobLedgerSession } from '../JobLedgerSession.js';
import type { SessionKit } from './sessionKit.js';

/** The audit calls: status and archive histories, the stored events, the job as it was at a time. @internal */
export const historyCalls = (
  kit: SessionKit,
): Pick<JobLedgerSession, 'statusHistory' | 'archiveHistory' | 'history' | 'jobAsOf'> => {
  const { ctx, decode, visible, readStream } = kit;
  return {
    statusHistory: (id) => async () => E.map((s: JobState) => s.job!.statusHistory)(await visible(id)),
    archiveHistory: (id) => async () =>
      E.map((s: JobState) => s.job!.archiveStatusHistory)(await visible(id)),
    history:
      (id, input = {}) =>
      async () => {
        const decoded = decode(inputCodecs.history, 'input', input);
        if (E.isLeft(decoded)) return decoded;
        const s = await visible(id);
        if (E.isLeft(s)) return s;
        const events = await readStream(s.right.job!.id);
        const asOf = decoded.right.asOf;
        return asOf === undefined
          ? events
          : E.map((es: StoredEvent[]) =>
              es.filter((e) => new Date(e.metadata.recordedAt).getTime() <= asOf.getTime()),
            )(events);
      },
    jobAsOf: (id, at) => async () => {
      const when = decodeWith(inputCodecs.at, 'at')(at);
      if (E.isLeft(when)) return when;
      const s = await visible(id);
      if (E.isLeft(s)) return s;
      const events = await readStream(s.right.job!.id);
      if (E.isLeft(events)) return events;
      const cut = events.right.filter(
        (e) => new Date(e.metadata.recordedAt).getTime() <= when.right.getTime(),
      );
      const folded = foldJobStream(cut, ctx.upcasters);
      if (E.isLeft(folded))
        return E.left(
          JobError.store(`job ${s.right.job!.id} does not replay: ${folded.left.message}; run verify`),
        );
      if (folded.right.job === null)
        return E.left(JobError.notFound('job', `${s.right.job!.id} at ${when.right.toISOString()}`));
      return E.right(folded.right.job);
    },
  };
};
