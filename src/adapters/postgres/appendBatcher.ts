/** One append waiting for its transaction: the arguments of `append_events`, JSON already encoded. */
export interface BatchedAppend {
  readonly streamId: string;
  readonly expected: string;
  readonly tip: number;
  readonly eventsJson: string;
  readonly projectionJson: string | null;
}

/** What `append_events` answers for one append (see migrations.ts). */
export interface AppendOutcome {
  readonly outcome: 'ok' | 'wrong-expected' | 'stale';
  readonly actual: number;
  readonly tx_id: string | null;
  readonly seqs: string[] | null;
  readonly missing: readonly unknown[] | null;
}

/** How the batcher reaches the database. */
export interface AppendBatcherOptions {
  /** One append in a transaction of its own (`append_events`). */
  readonly appendOne: (item: BatchedAppend) => Promise<AppendOutcome>;
  /** Several appends in one transaction (`append_batch`): one outcome per item, in the items' order. */
  readonly appendMany: (itemsJson: string, count: number) => Promise<readonly AppendOutcome[]>;
  /** Transactions in flight at once (default 2). New appends queue behind them and share the next one. */
  readonly maxInFlight?: number;
  /** Appends per transaction at most (default 64). */
  readonly maxBatch?: number;
  /**
   * True for an error after which the batch may have committed (the connection was lost before the answer):
   * its appends then all get that error, for their callers to settle, instead of being sent again one by one.
   */
  readonly unknownOutcome?: (error: unknown) => boolean;
}

interface Waiting {
  readonly item: BatchedAppend;
  readonly resolve: (outcome: AppendOutcome) => void;
  readonly reject: (error: unknown) => void;
}

const itemJson = (item: BatchedAppend): string =>
  `{"stream":${JSON.stringify(item.streamId)},"expected":${JSON.stringify(item.expected)},"tip":${item.tip},` +
  `"events":${item.eventsJson},"projection":${item.projectionJson ?? 'null'}}`;

/**
 * Group commit for the Postgres store: concurrent appends of one store object share transactions.
 *
 * At most `maxInFlight` transactions run at once. While they do, new appends wait in a queue, and when one ends
 * every waiting append (up to `maxBatch`, one per stream) goes in the next transaction. A lone caller therefore
 * never waits for a batch to fill: with nothing in flight its append is sent at once (after the microtasks
 * already queued, so that appends started together, such as a batch of claims, share that transaction). Under load the
 * commit (the WAL flush) and the round trip are paid once per batch instead of once per command.
 *
 * Each append is answered on its own: `append_batch` checks every item like `append_events` does, so one item's
 * wrong expectation or stale tip never affects another. When a whole batch fails (an error, e.g. a duplicate
 * event id in one item), its appends are sent again one by one, so that only the faulty one fails.
 * Two appends to one stream never share a batch (the second would only find its tip stale): it waits for the next.
 */
export const appendBatcher = (options: AppendBatcherOptions) => {
  const maxInFlight = options.maxInFlight ?? 2;
  const maxBatch = options.maxBatch ?? 64;
  let queue: Waiting[] = [];
  let inFlight = 0;
  let pumpDue = false;
  let batches = 0;
  let appends = 0;

  const settleOneByOne = async (batch: readonly Waiting[]): Promise<void> => {
    await Promise.all(
      batch.map(async (w) => {
        try {
          w.resolve(await options.appendOne(w.item));
        } catch (error) {
          w.reject(error);
        }
      }),
    );
  };

  const send = async (batch: readonly Waiting[]): Promise<void> => {
    batches++;
    appends += batch.length;
    if (batch.length === 1) {
      await settleOneByOne(batch);
      return;
    }
    let outcomes: readonly AppendOutcome[];
    try {
      outcomes = await options.appendMany(`[${batch.map((w) => itemJson(w.item)).join(',')}]`, batch.length);
    } catch (error) {
      if (options.unknownOutcome?.(error) === true) {
        for (const w of batch) w.reject(error);
        return;
      }
      // Nothing of the batch was stored (one transaction): find the faulty append by sending each alone.
      await settleOneByOne(batch);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined)
        w.reject(new Error(`append_batch answered ${outcomes.length} of ${batch.length}`));
      else w.resolve(outcome);
    });
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch: Waiting[] = [];
      const rest: Waiting[] = [];
      const streams = new Set<string>();
      for (const w of queue) {
        if (batch.length < maxBatch && !streams.has(w.item.streamId)) {
          streams.add(w.item.streamId);
          batch.push(w);
        } else rest.push(w);
      }
      queue = rest;
      inFlight++;
      void send(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  // Appends queued in one turn of the event loop (a batch of claims, commands started together) go out
  // together: the queue is sent once the microtasks already queued have run, not by the first append alone.
  const pumpSoon = (): void => {
    if (pumpDue) return;
    pumpDue = true;
    queueMicrotask(() => {
      pumpDue = false;
      pump();
    });
  };

  return {
    /** Queues one append; resolves with its outcome once its transaction ended. */
    append(item: BatchedAppend): Promise<AppendOutcome> {
      return new Promise<AppendOutcome>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pumpSoon();
      });
    },
    /** Transactions sent and appends in them, since the store opened. */
    stats(): { readonly transactions: number; readonly appends: number } {
      return { transactions: batches, appends };
    },
  };
};

export type AppendBatcher = ReturnType<typeof appendBatcher>;
