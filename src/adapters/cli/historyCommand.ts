import * as E from 'fp-ts/lib/Either.js';
import type { JobEvent } from '../../domain/codecs/events.js';
import type { Actor } from '../../domain/principal.js';
import type { StoredEvent } from '../../domain/storedEvent.js';
import { decodeJobEvent } from '../../domain/upcasters.js';
import { cliFailure, usageFailure } from './cliFailure.js';
import { defineCommand } from './defineCommand.js';
import { formatTable } from './formatTable.js';
import { jobErrorFailure } from './jobErrorFailure.js';
import { storeOption, storeUrlOf, withLedger } from './openCommandStore.js';

/** What one event did to the job, for the timeline: the status move (if any) and a short message. */
export const describeEvent = (event: JobEvent): { status: string; message: string } => {
  switch (event.type) {
    case 'JobCreated':
      return {
        status: 'Created',
        message: `created: function ${event.data.function.name ?? event.data.function.id}, file ${event.data.file.name}`,
      };
    case 'JobStatusChanged': {
      const { from, to, message, reason, agentId } = event.data;
      const said = message ?? (reason === 'claim' && agentId !== undefined ? `claimed by ${agentId}` : '');
      // A claim says so already, and a report is what most changes are; the other reasons explain the move.
      const why = reason === undefined || reason === 'claim' || reason === 'report' ? '' : `(${reason})`;
      return { status: `${from} -> ${to}`, message: [said, why].filter((text) => text !== '').join(' ') };
    }
    case 'JobLeaseRenewed':
      return {
        status: '',
        message: `lease of ${event.data.agentId} renewed until ${event.data.leaseExpiresAt}`,
      };
    case 'JobAgentAssigned':
      return { status: '', message: `assigned to agent ${event.data.agentId}` };
    case 'JobArchived':
      return {
        status: '',
        message: `archived${event.data.reason === undefined ? '' : `: ${event.data.reason}`}`,
      };
    case 'JobRestored':
      return {
        status: '',
        message: `restored${event.data.reason === undefined ? '' : `: ${event.data.reason}`}`,
      };
    case 'JobPropertiesUpdated':
      return { status: '', message: `set ${Object.keys(event.data).join(', ')}` };
    case 'JobFileRevisionAdded':
      return {
        status: '',
        message: `file revision ${event.data.revision}: ${event.data.name} (${event.data.size} bytes, sha256 ${event.data.sha256.slice(0, 12)}…)`,
      };
    case 'JobCommentAdded':
      return { status: '', message: `comment: ${event.data.content}` };
    case 'JobAccessGranted':
      return {
        status: '',
        message: `granted ${event.data.relation} to ${event.data.subjectType} ${event.data.subjectId}`,
      };
    case 'JobAccessUpdated':
      return { status: '', message: `access ${event.data.accessId} changed to ${event.data.relation}` };
    case 'JobAccessRevoked':
      return { status: '', message: `access ${event.data.accessId} revoked` };
  }
};

const who = (actor: Actor): string => (actor.kind === 'system' ? 'system' : `${actor.kind} ${actor.id}`);

const timelineRow = (event: StoredEvent): string[] => {
  const decoded = decodeJobEvent(event);
  const { status, message } = E.isRight(decoded)
    ? describeEvent(decoded.right)
    : { status: '?', message: `does not decode: ${decoded.left.message}` };
  return [
    String(event.version),
    event.metadata.recordedAt.replace('T', ' ').replace('Z', ''),
    event.type,
    status,
    who(event.metadata.actor),
    message,
    event.metadata.hash.slice(0, 12),
  ];
};

const isoTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `jobledger history <jobId>`: the audit timeline of one job, or its stored events as JSON.
 *
 * @example
 * await historyCommand(['6f1c…', '--as-of', '2026-03-01T12:00:00Z'], io);
 */
export const historyCommand = defineCommand({
  command: 'history',
  summary: "print a job's audit timeline: every event, who, when, and its hash",
  description:
    "Prints the audit timeline of one job: version, time, event type, status change, who, message and the first 12 hex digits of the event's hash (the whole chain is checked by jobledger verify).",
  arguments: '<jobId>',
  options: {
    'as-of': {
      type: 'string',
      value: 'ISO',
      description: 'only the events recorded at or before this time, e.g. 2026-03-01T12:00:00Z',
    },
    json: { type: 'boolean', description: 'print the stored events as JSON (with full hashes and metadata)' },
    store: storeOption,
  },
  maxPositionals: 1,
  run: async ({ values, positionals }, io) => {
    const jobId = positionals[0];
    if (jobId === undefined)
      return usageFailure(
        'history needs a job id',
        'run jobledger jobs to list the ids, then jobledger history <jobId>',
      );
    const asOfText = values['as-of'];
    if (asOfText !== undefined && (!isoTime.test(asOfText) || Number.isNaN(new Date(asOfText).getTime()))) {
      return usageFailure(
        `--as-of must be an ISO-8601 time, got ${JSON.stringify(asOfText)}`,
        'for example --as-of 2026-03-01T12:00:00Z',
      );
    }
    const url = storeUrlOf(values.store, io);
    return withLedger(url, io, { mustExist: true }, async (ledger) => {
      const history = await ledger.system.history(jobId, asOfText === undefined ? {} : { asOf: asOfText })();
      if (E.isLeft(history)) {
        return history.left._tag === 'NotFound'
          ? cliFailure(
              `job ${jobId} not found in ${url}`,
              'list the ids with jobledger jobs --archive-status all',
            )
          : jobErrorFailure(history.left, `history of job ${jobId}`);
      }
      const events = history.right;
      if (values.json === true) {
        io.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
        return 0;
      }
      if (events.length === 0) {
        io.stdout.write(`job ${jobId} had no events yet at ${asOfText}\n`);
        return 0;
      }
      io.stdout.write(
        formatTable(
          [
            { header: 'v', align: 'right' },
            { header: 'time (UTC)' },
            { header: 'event' },
            { header: 'status' },
            { header: 'who', maxWidth: 28 },
            { header: 'message', maxWidth: 72 },
            { header: 'hash' },
          ],
          events.map(timelineRow),
        ),
      );
      return 0;
    });
  },
});
