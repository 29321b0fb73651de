import { context, SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { StoreError } from '../../domain/errors.js';
import type { AppendResult, EventStore, WrongExpectedVersion } from '../../domain/EventStore.js';
import type { StoredEvent } from '../../domain/storedEvent.js';
import type { ProjectedEventStore, ReadModelStore } from '../../projections/ReadModelStore.js';
import { commandRecordOf } from './commandRecord.js';
import type { TelemetryInstruments } from './telemetryInstruments.js';

/**
 * Passes every member of `target` through, except those in `overrides`. A proxy rather than a copy, so members
 * the store has beyond the port (stats, feeder, blob store defaults, ...) stay reachable as they are.
 * @internal
 */
export const overriding = <T extends object>(target: T, overrides: Partial<T>): T => {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value !== 'function') return value;
      let fn = bound.get(key);
      if (fn === undefined) bound.set(key, (fn = (value as (...a: unknown[]) => unknown).bind(t)));
      return fn;
    },
  });
};

const failed = (span: Span, message: string): void => {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
};

/** Records a thrown error on `span` (exception and error status) and throws it on. */
const thrownIn = (span: Span, error: unknown): never => {
  span.recordException(error as Error);
  failed(span, error instanceof Error ? error.message : String(error));
  throw error;
};

/** Runs `run` and ends `span` after it, recording what it throws. */
const endingSpan = async <R>(span: Span, run: () => Promise<R>): Promise<R> => {
  try {
    return await run();
  } catch (error) {
    return thrownIn(span, error);
  } finally {
    span.end();
  }
};

/** Ends `span` when the iteration ends (done, broken off or failed), with the number of events read. */
async function* tracedIteration(
  startSpan: () => Span,
  source: () => AsyncIterable<StoredEvent>,
): AsyncGenerator<StoredEvent> {
  // Started at the first read, in the context of whoever iterates: an iterable nobody reads makes no span.
  const span = startSpan();
  let events = 0;
  try {
    for await (const event of source()) {
      events++;
      yield event;
    }
  } catch (error) {
    thrownIn(span, error);
  } finally {
    span.setAttribute('jobledger.events', events);
    span.end();
  }
}

/**
 * The event-store port with telemetry: a span for every append (`jobledger.store.append`) and stream or log read
 * (`jobledger.store.read`), and for every read-model query (`jobledger.read_model.<query>`), each a child of the
 * caller's active span; the append latency histogram, concurrency conflicts and lease expiries. When a traced
 * command is running, its span learns the status change and the number of lost races from here.
 * @internal
 */
export const tracedEventStore = (
  store: ProjectedEventStore,
  instruments: TelemetryInstruments,
  storeKind: string,
): ProjectedEventStore => {
  const { tracer } = instruments;
  const storeAttributes: Attributes = { 'jobledger.store.kind': storeKind };

  const appended = <Err extends { readonly _tag: string; readonly message: string }>(
    span: Span,
    started: number,
    result: E.Either<Err, AppendResult>,
  ): void => {
    const record = commandRecordOf(context.active());
    const outcome = E.isRight(result) ? 'ok' : result.left._tag;
    instruments.appendDuration.record((performance.now() - started) / 1000, {
      store: storeKind,
      outcome,
    });
    if (E.isLeft(result)) {
      if (result.left._tag === 'WrongExpectedVersion') {
        instruments.conflicts.add(1, { store: storeKind });
        if (record !== undefined) record.retries++;
      } else if (result.left._tag === 'StoreError') failed(span, result.left.message);
      span.setAttribute('jobledger.outcome', outcome);
      return;
    }
    span.setAttributes({ 'jobledger.outcome': outcome, 'jobledger.events': result.right.events.length });
    for (const event of result.right.events) {
      if (event.type !== 'JobStatusChanged') continue;
      const data = event.data as { from?: string; to?: string; reason?: string };
      if (record !== undefined) {
        record.from ??= data.from;
        record.to = data.to;
      }
      if (data.reason === 'lease-expired' && data.to !== undefined)
        instruments.leaseExpiries.add(1, { to: data.to });
    }
  };

  const appendSpan = <Err extends { readonly _tag: string; readonly message: string }>(
    streamId: string,
    attributes: Attributes,
    run: () => Promise<E.Either<Err, AppendResult>>,
  ): Promise<E.Either<Err, AppendResult>> =>
    tracer.startActiveSpan(
      'jobledger.store.append',
      { attributes: { ...storeAttributes, 'jobledger.stream.id': streamId, ...attributes } },
      (span) =>
        endingSpan(span, async () => {
          const started = performance.now();
          const result = await run();
          appended(span, started, result);
          return result;
        }),
    );

  const readSpan = (operation: string, attributes: Attributes, source: () => AsyncIterable<StoredEvent>) =>
    tracedIteration(
      () =>
        tracer.startSpan('jobledger.store.read', {
          attributes: { ...storeAttributes, 'jobledger.store.operation': operation, ...attributes },
        }),
      source,
    );

  const query =
    <A extends unknown[], R>(name: string, run: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      tracer.startActiveSpan(`jobledger.read_model.${name}`, { attributes: storeAttributes }, (span) =>
        endingSpan(span, () => run(...args)),
      );

  const readModel = store.readModel;
  const tracedReadModel = overriding<ReadModelStore>(readModel, {
    getJob: query('get_job', (id) => readModel.getJob(id)),
    listJobs: query('list_jobs', (q, viewer) => readModel.listJobs(q, viewer)),
    claimCandidates: query('claim_candidates', (agent, fns, limit) =>
      readModel.claimCandidates(agent, fns, limit),
    ),
    expiredLeases: query('expired_leases', (now, limit) => readModel.expiredLeases(now, limit)),
  });

  const overrides: Partial<ProjectedEventStore> = {
    readModel: tracedReadModel,
    append: (streamId, events, options) => () =>
      appendSpan<WrongExpectedVersion | StoreError>(
        streamId,
        { 'jobledger.expected': String(options.expected) },
        store.append(streamId, events, options),
      ),
    readStream: (streamId, options) =>
      readSpan('read_stream', { 'jobledger.stream.id': streamId }, () => store.readStream(streamId, options)),
    readAll: (options) => readSpan('read_all', {}, () => store.readAll(options)),
  };
  if (store.execute !== undefined) {
    const execute = store.execute.bind(store);
    overrides.execute = <Err>(
      streamId: string,
      decider: Parameters<NonNullable<EventStore['execute']>>[1],
      executeOptions?: Parameters<NonNullable<EventStore['execute']>>[2],
    ): TE.TaskEither<Err | StoreError, AppendResult> =>
      (() =>
        appendSpan(
          streamId,
          { 'jobledger.store.transactional': true },
          execute(streamId, decider, executeOptions) as () => Promise<E.Either<StoreError, AppendResult>>,
        )) as TE.TaskEither<Err | StoreError, AppendResult>;
  }
  return overriding(store, overrides);
};
