import * as E from 'fp-ts/lib/Either.js';
import { clockOf } from './CliIo.js';
import { defineCommand } from './defineCommand.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { storeOption, storeUrlOf, withLedger } from './openCommandStore.js';
import { formatCount, progressBar } from './progressBar.js';
import { formatRate, formatSeconds } from './rate.js';

/** `jobledger replay`: rebuilds every projection from the log and prints events/s. */
export const replayCommand = defineCommand({
  command: 'replay',
  summary: 'rebuild every projection (job rows, histories, access) from the event log',
  description:
    'Throws the projections away and rebuilds them from the event log, with a progress bar on stderr, then prints how many events were replayed and how fast. An interrupted replay resumes where it stopped.',
  options: { store: storeOption },
  run: async ({ values }, io) => {
    const url = storeUrlOf(values.store, io);
    const clock = clockOf(io);
    return withLedger(url, io, { mustExist: true }, async (ledger) => {
      const started = clock().getTime();
      const bar = progressBar(io.stderr, { label: 'replay', unit: 'events' });
      const rebuilt = await ledger.rebuildProjections({
        onProgress: (p) => bar.update(p.events, formatRate(p.events, clock().getTime() - started, 'events')),
      })();
      bar.finish();
      if (E.isLeft(rebuilt)) return jobErrorFailure(rebuilt.left, 'replay');
      const elapsed = clock().getTime() - started;
      const events = rebuilt.right.events;
      io.stdout.write(
        `replayed ${formatCount(events)} events from ${url} into the projections in ${formatSeconds(elapsed)} (${formatRate(events, elapsed, 'events')})\n`,
      );
      return 0;
    });
  },
});
