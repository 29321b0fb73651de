import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import type { FeedListener } from '../../app/liveFeed.js';
import { JobError } from '../../domain/errors.js';
import { jobStatusNames } from '../../domain/JobStatusName.js';
import type { Principal } from '../../domain/principal.js';
import { eventStreamResponse } from './eventStreamResponse.js';
import type { ThroughputWindow } from './throughputWindow.js';

type ArchiveStatus = 'active' | 'archived' | 'all';

/** The answer of `GET /overview`: counts per status and the flow of the last minutes. */
export interface OverviewBody {
  readonly counts: Record<string, number>;
  readonly total: number;
  readonly throughput: {
    readonly bucket_seconds: number;
    readonly until: string;
    readonly created: readonly number[];
    readonly completed: readonly number[];
    readonly failed: readonly number[];
  };
}

/** The `archive_status` query parameter (default `active`), or a ValidationError naming it. */
export const archiveStatusOf = (req: FastifyRequest): E.Either<JobError, ArchiveStatus> => {
  const raw = (req.query as Record<string, unknown>).archive_status ?? 'active';
  return raw === 'active' || raw === 'archived' || raw === 'all'
    ? E.right(raw)
    : E.left(
        JobError.validation([
          { path: 'archive_status', message: `expected active, archived or all, got ${String(raw)}` },
        ]),
      );
};

/** What `principal` sees of the jobs per status (listJobs totals) and of the window's flow. */
export const overviewOf = async (
  ledger: JobLedger,
  window: ThroughputWindow,
  principal: Principal,
  archiveStatus: ArchiveStatus,
): Promise<E.Either<JobError, OverviewBody>> => {
  const session = ledger.as(principal);
  const totals = await Promise.all(
    jobStatusNames.map((status) => session.listJobs({ status, size: 1, archiveStatus })()),
  );
  const counts: Record<string, number> = {};
  for (const [i, total] of totals.entries()) {
    if (E.isLeft(total)) return total;
    counts[jobStatusNames[i]!] = total.right.total;
  }
  await window.ready();
  const flow = window.series(principal);
  return E.right({
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    throughput: {
      bucket_seconds: flow.bucketSeconds,
      until: flow.until.toISOString(),
      created: flow.created,
      completed: flow.completed,
      failed: flow.failed,
    },
  });
};

/**
 * Writes `first` as a server-sent `overview` event, then a fresh overview whenever the feed handed out an event
 * and the answer differs from the last one sent, at most once per `minIntervalMs`: one recount per interval
 * however busy the ledger, and nothing sent when what this principal sees did not change (so another tenant's
 * activity shows nowhere). A client that stops reading is cut off past `maxBufferedBytes`. Resolves when the
 * client leaves, is cut off, or `shutdown` aborts.
 */
export const followOverview = async (
  res: ServerResponse,
  first: OverviewBody,
  recount: () => Promise<E.Either<JobError, OverviewBody>>,
  listen: (listener: FeedListener) => () => void,
  shutdown: AbortSignal,
  limits: { readonly minIntervalMs: number; readonly maxBufferedBytes: number },
): Promise<void> => {
  let last = '';
  let changed = false;
  let counting = false;
  let timer: NodeJS.Timeout | undefined;
  let lastCount = Date.now();

  const send = (body: OverviewBody) => {
    const text = JSON.stringify(body);
    if (text === last) return;
    last = text;
    stream.write(`event: overview\ndata: ${text}\n\n`);
  };
  const count = async () => {
    timer = undefined;
    if (stream.finished) return;
    counting = true;
    changed = false;
    lastCount = Date.now();
    try {
      const body = await recount();
      if (E.isRight(body)) send(body.right);
    } finally {
      counting = false;
      // Events that came during the count are in the next one.
      if (changed) schedule();
    }
  };
  const schedule = () => {
    if (stream.finished || counting || timer !== undefined) return;
    timer = setTimeout(
      () => void count().catch(() => stream.finish(true)),
      Math.max(0, lastCount + limits.minIntervalMs - Date.now()),
    );
  };
  const stopListening = listen(() => {
    changed = true;
    schedule();
  });
  const stream = eventStreamResponse(res, shutdown, limits.maxBufferedBytes, () => {
    stopListening();
    if (timer !== undefined) clearTimeout(timer);
  });
  send(first);
  return stream.done;
};
