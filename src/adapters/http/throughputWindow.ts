import * as E from 'fp-ts/lib/Either.js';
import { catchUpThenFollow } from '../../app/catchUpThenFollow.js';
import type { JobLedger } from '../../app/createJobLedger.js';
import type { Principal } from '../../domain/principal.js';
import { jobIdOfStream, type StoredEvent } from '../../domain/storedEvent.js';

/** Jobs created, completed and failed per minute, oldest minute first, the last one ending at `until`. */
export interface ThroughputSeries {
  readonly bucketSeconds: number;
  readonly until: Date;
  readonly created: readonly number[];
  readonly completed: readonly number[];
  readonly failed: readonly number[];
}

type Flow = 'created' | 'completed' | 'failed';

interface Entry {
  readonly flow: Flow;
  readonly tenantId: string;
  readonly createdById: string;
}

interface JobOwner {
  readonly tenantId: string;
  readonly createdById: string;
  seen: number;
}

/** The last minutes of job flow, read from the ledger's shared feed (no store subscription of its own). */
export interface ThroughputWindow {
  /** What `principal` may see of the window (see {@link throughputWindow}); starts following on first use. */
  series(principal: Principal): ThroughputSeries;
  /**
   * Resolves once the window has counted what the store already held (starting to follow if it had not), so a
   * first answer is not taken from a window still catching up; also resolves when catching up failed.
   */
  ready(): Promise<void>;
  close(): void;
}

const minuteMs = 60_000;

const flowOf = (event: StoredEvent): Flow | undefined => {
  if (event.type === 'JobCreated') return 'created';
  if (event.type !== 'JobStatusChanged') return undefined;
  const to = (event.data as { to?: unknown }).to;
  return to === 'Completed' ? 'completed' : to === 'Failed' ? 'failed' : undefined;
};

/**
 * Counts jobs created, completed and failed per minute over the last `minutes` minutes, from the ledger's
 * shared feed (never a subscription per request or per window), caught up on first use from a job created just
 * before the window, so the window is full from the start. A principal sees the counts of the jobs it owns; an
 * administrator those of its tenant; the system all. (Grants on other users' jobs do not count here: the
 * window keeps each job's tenant and creator, not its access list.)
 */
export const throughputWindow = (
  ledger: JobLedger,
  options: {
    readonly minutes?: number;
    readonly clock?: () => Date;
    readonly onError?: (e: unknown) => void;
  } = {},
): ThroughputWindow => {
  const minutes = options.minutes ?? 15;
  const clock = options.clock ?? (() => new Date());
  const buckets = new Map<number, Entry[]>();
  const owners = new Map<string, JobOwner>();
  let following: { stop: () => void; stopped: boolean } | undefined;
  let caughtUp: Promise<void> = Promise.resolve();
  let markCaughtUp = () => {};

  const windowStart = () => (Math.floor(clock().getTime() / minuteMs) - minutes + 1) * minuteMs;

  const prune = () => {
    const start = windowStart();
    for (const minute of buckets.keys()) if (minute < start) buckets.delete(minute);
    for (const [jobId, owner] of owners) if (owner.seen < start - minuteMs) owners.delete(jobId);
  };

  const ownerOf = async (jobId: string, event: StoredEvent): Promise<JobOwner | undefined> => {
    const known = owners.get(jobId);
    if (known !== undefined) return known;
    if (event.type === 'JobCreated') {
      const tenantId = (event.data as { tenantId: string }).tenantId;
      return { tenantId, createdById: event.metadata.actor.id, seen: 0 };
    }
    // A job created before the window: its tenant and creator never change, so one read is enough.
    const job = await ledger.system.getJob(jobId)();
    return E.isRight(job)
      ? { tenantId: job.right.tenantId, createdById: job.right.createdById, seen: 0 }
      : undefined;
  };

  const record = async (event: StoredEvent) => {
    const flow = flowOf(event);
    const jobId = jobIdOfStream(event.streamId);
    if (flow === undefined || jobId === undefined) return;
    const at = new Date(event.metadata.recordedAt).getTime();
    const minute = Math.floor(at / minuteMs) * minuteMs;
    if (minute < windowStart()) return;
    const owner = await ownerOf(jobId, event);
    if (owner === undefined) return;
    owner.seen = Math.max(owner.seen, at);
    owners.set(jobId, owner);
    const entries = buckets.get(minute) ?? [];
    entries.push({ flow, tenantId: owner.tenantId, createdById: owner.createdById });
    buckets.set(minute, entries);
    prune();
  };

  const failed = (error: unknown) => {
    // The next request starts over.
    markCaughtUp();
    following?.stop();
    following = undefined;
    buckets.clear();
    owners.clear();
    options.onError?.(error);
  };

  const follow = async (own: { stop: () => void; stopped: boolean }) => {
    const start = new Date(windowStart());
    const before = await ledger.system.listJobs({
      createdBefore: start,
      sort: '-created',
      size: 1,
      archiveStatus: 'all',
    })();
    let after: string | undefined;
    if (E.isRight(before) && before.right.items[0] !== undefined) {
      const events = await ledger.system.history(before.right.items[0].id)();
      if (E.isRight(events)) after = events.right[0]?.position;
    }
    if (own.stopped) return;
    // Events are recorded one after another (an owner may need a read), in the order the feed hands them out.
    let queue = Promise.resolve();
    own.stop = catchUpThenFollow(
      ledger.feed,
      ledger.store,
      after,
      (event) => {
        queue = queue
          .then(() => record(event))
          .catch((error: unknown) => {
            if (following === own) failed(error);
          });
      },
      (error) => {
        if (following === own) failed(error);
      },
      // Counted once the events read so far are recorded (they are recorded one after another).
      () => void queue.then(markCaughtUp),
    );
  };

  const start = () => {
    const own = {
      stopped: false,
      stop() {
        this.stopped = true;
      },
    };
    following = own;
    caughtUp = new Promise((resolve) => (markCaughtUp = resolve));
    follow(own).catch((error: unknown) => {
      if (following === own) failed(error);
    });
  };

  const visibleTo = (principal: Principal) => (entry: Entry) => {
    if (principal.kind === 'system') return true;
    if (entry.tenantId !== principal.tenantId) return false;
    if (principal.kind === 'user' && principal.roles?.includes('administrator')) return true;
    return entry.createdById === principal.id;
  };

  return {
    series: (principal) => {
      if (following === undefined) start();
      prune();
      const first = windowStart();
      const visible = visibleTo(principal);
      const series = { created: [] as number[], completed: [] as number[], failed: [] as number[] };
      for (let i = 0; i < minutes; i++) {
        const entries = (buckets.get(first + i * minuteMs) ?? []).filter(visible);
        for (const flow of ['created', 'completed', 'failed'] as const)
          series[flow].push(entries.filter((e) => e.flow === flow).length);
      }
      return { bucketSeconds: 60, until: new Date(first + minutes * minuteMs), ...series };
    },
    ready: () => {
      if (following === undefined) start();
      return caughtUp;
    },
    close: () => {
      markCaughtUp();
      following?.stop();
      following = undefined;
    },
  };
};
