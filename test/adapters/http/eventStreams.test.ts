import http from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../../src/adapters/http/createHttpServer.js';
import type { TokenPrincipal } from '../../../src/adapters/http/tokens.js';
import { openStore } from '../../../src/adapters/openStore.js';
import { createJobLedger, type JobLedger } from '../../../src/app/createJobLedger.js';
import type { ProjectedEventStore } from '../../../src/projections/ReadModelStore.js';
import { principals, startServer } from './httpTestServer.js';

interface SseEvent {
  readonly id: number;
  readonly type: string;
  readonly data: { readonly version: number; readonly data: { readonly to?: string } };
}

/** Splits server-sent events out of text as it arrives; answers the complete ones, keeps the rest. */
const sseParser = () => {
  let rest = '';
  return (chunk: string): SseEvent[] => {
    rest += chunk;
    const frames = rest.split('\n\n');
    rest = frames.pop()!;
    const events: SseEvent[] = [];
    for (const frame of frames) {
      const fields = new Map<string, string>();
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue;
        const at = line.indexOf(': ');
        fields.set(line.slice(0, at), line.slice(at + 2));
      }
      if (!fields.has('id')) continue;
      events.push({
        id: Number(fields.get('id')),
        type: fields.get('event')!,
        data: JSON.parse(fields.get('data')!) as SseEvent['data'],
      });
    }
    return events;
  };
};

/** Reads a job's SSE stream (with fetch) until its terminal status: the events, in the order they came. */
const watchUntilTerminal = async (url: string, jobId: string): Promise<SseEvent[]> => {
  const abort = new AbortController();
  const res = await fetch(`${url}/jobs/${jobId}/events`, {
    headers: { authorization: 'Bearer alice-token' },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const parse = sseParser();
  const seen: SseEvent[] = [];
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body!) {
      for (const event of parse(decoder.decode(chunk as Uint8Array, { stream: true }))) {
        seen.push(event);
        if (event.type === 'JobStatusChanged' && event.data.data.to === 'Canceled') return seen;
      }
    }
  } finally {
    abort.abort();
  }
  throw new Error(`the stream of ${jobId} ended before the job did, after ${seen.length} events`);
};

const alice = principals['alice-token'];

const versionsOf = async (ledger: JobLedger, jobId: string) => {
  const history = await ledger.system.history(jobId)();
  if (E.isLeft(history)) throw new Error(history.left.message);
  return history.right.map((e) => `${e.version}:${e.type}`);
};

describe('job event streams on the shared feed', () => {
  it('200 clients each get every event of their job, in order, exactly once, while other jobs change', async () => {
    const s = await startServer();
    try {
      const session = s.ledger.as(alice);
      const create = async () => {
        const job = await session.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
        if (E.isLeft(job)) throw new Error(job.left.message);
        return job.right.id;
      };
      const watched = await Promise.all(Array.from({ length: 50 }, create));
      const others = await Promise.all(Array.from({ length: 10 }, create));
      // Four clients per job, all connected before the jobs change; one of them only joins halfway.
      const early = watched.flatMap((id) => [0, 1, 2].map(() => watchUntilTerminal(s.url, id)));
      const change = async (id: string, comments: number) => {
        for (let i = 0; i < comments; i++) {
          const r = await session.addComment(id, { content: `comment ${i}` })();
          if (E.isLeft(r)) throw new Error(r.left.message);
        }
      };
      await Promise.all([...watched.map((id) => change(id, 2)), ...others.map((id) => change(id, 3))]);
      const late = watched.map((id) => watchUntilTerminal(s.url, id));
      await Promise.all([...watched.map((id) => change(id, 2)), ...others.map((id) => change(id, 2))]);
      for (const id of watched) expect(E.isRight(await session.cancelJob(id, {})())).toBe(true);

      const streams = await Promise.all([...early, ...late]);
      const jobs = [...watched.flatMap((id) => [id, id, id]), ...watched];
      expect(streams).toHaveLength(200);
      for (const [i, events] of streams.entries()) {
        const expected = await versionsOf(s.ledger, jobs[i]!);
        expect(events.map((e) => `${e.id}:${e.type}`)).toEqual(expected);
      }
      // All of it from one store subscription.
      expect(s.ledger.feed.stats().subscriptions).toBe(1);
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('event streams, /overview and pollJob all share one store subscription', async () => {
    const inner = openStore('memory:') as ProjectedEventStore;
    let subscriptions = 0;
    const store: ProjectedEventStore = {
      ...inner,
      subscribe: (options) => {
        subscriptions++;
        return inner.subscribe(options);
      },
    };
    const ledger = createJobLedger({ store });
    const server = createHttpServer({ ledger, tokens: new Map([['alice-token', alice as TokenPrincipal]]) });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const session = ledger.as(alice);
      const job = await session.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
      if (E.isLeft(job)) throw new Error(job.left.message);
      const streams = [watchUntilTerminal(url, job.right.id), watchUntilTerminal(url, job.right.id)];
      const polls = [0, 1, 2].map(() =>
        fetch(`${url}/jobs/${job.right.id}/poll?timeout_s=20`, {
          headers: { authorization: 'Bearer alice-token' },
        }),
      );
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${url}/overview`, { headers: { authorization: 'Bearer alice-token' } });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      expect(E.isRight(await session.cancelJob(job.right.id, {})())).toBe(true);
      for (const poll of await Promise.all(polls)) expect(await poll.json()).toEqual({ status: 'Canceled' });
      for (const events of await Promise.all(streams)) expect(events.at(-1)?.data.data.to).toBe('Canceled');
      expect(subscriptions).toBe(1);
    } finally {
      await server.close();
      await ledger.close()();
    }
  });

  it('cuts off a client that stops reading, and that client resumes with Last-Event-ID', async () => {
    const ledger = createJobLedger({ store: openStore('memory:') });
    const server = createHttpServer({
      ledger,
      tokens: new Map([['alice-token', alice as TokenPrincipal]]),
      eventStreamBufferBytes: 64 * 1024,
    });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const session = ledger.as(alice);
      const job = await session.createJob({ function: { id: 'fn-1' }, file: { name: 'p.json' } })();
      if (E.isLeft(job)) throw new Error(job.left.message);
      const id = job.right.id;

      const open = (lastEventId?: number) =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          const req = http.get(`${url}/jobs/${id}/events`, {
            agent: false,
            headers: {
              authorization: 'Bearer alice-token',
              ...(lastEventId !== undefined && { 'last-event-id': String(lastEventId) }),
            },
          });
          req.on('response', resolve).on('error', reject);
        });
      const read = (res: http.IncomingMessage, until: (seen: SseEvent[]) => boolean) =>
        new Promise<SseEvent[]>((resolve) => {
          const parse = sseParser();
          const seen: SseEvent[] = [];
          const done = () => {
            res.off('data', onData);
            resolve(seen);
          };
          const onData = (chunk: Buffer) => {
            seen.push(...parse(chunk.toString('utf8')));
            if (until(seen)) done();
          };
          res.on('data', onData).on('close', done);
        });

      const slow = await open();
      // It reads the job's first two events, then stops reading.
      const first = await read(slow, (seen) => seen.length >= 2);
      slow.pause();
      const big = 'x'.repeat(60_000);
      for (let i = 0; i < 200; i++) {
        const r = await session.addComment(id, { content: `${i} ${big}` })();
        if (E.isLeft(r)) throw new Error(r.left.message);
      }
      // Far more than the bound (and the sockets' buffers) was written for it: the server lets it go.
      const start = Date.now();
      while (ledger.feed.stats().listeners > 0) {
        if (Date.now() - start > 20_000) throw new Error('the slow client was not cut off');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const rest = await read(slow, () => false);
      slow.resume();
      const got = [...first, ...(await rest)];
      const all = await versionsOf(ledger, id);
      expect(all).toHaveLength(202);
      expect(got.length).toBeLessThan(all.length);
      expect(got.map((e) => `${e.id}:${e.type}`)).toEqual(all.slice(0, got.length));

      // It comes back with the last event it got, and gets exactly the rest.
      const again = await open(got.at(-1)!.id);
      const resumed = await read(again, (seen) => seen.at(-1)?.id === all.length - 1);
      again.destroy();
      expect([...got, ...resumed].map((e) => `${e.id}:${e.type}`)).toEqual(all);
    } finally {
      await server.close();
      await ledger.close()();
    }
  }, 60_000);
});
