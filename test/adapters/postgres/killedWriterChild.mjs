// A writer process for killedWriter.test.ts, killed with SIGKILL while it appends. Plain JavaScript on `pg`
// (vitest and TypeScript are not available in a child process): it calls the store's own `append_events`
// function with events the test sealed, and prints "ack <eventId>" once an append has committed.
//
// node killedWriterChild.mjs <url> <schema> <appends.jsonl> <workers>
import { readFileSync } from 'node:fs';
import pg from 'pg';

const [url, schema, file, workersArg] = process.argv.slice(2);
const workers = Number(workersArg ?? 4);
const appends = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line));

// The events of one stream go through one worker, in order.
const queues = Array.from({ length: workers }, () => []);
const workerOf = new Map();
for (const a of appends) {
  if (!workerOf.has(a.streamId)) workerOf.set(a.streamId, workerOf.size % workers);
  queues[workerOf.get(a.streamId)].push(a);
}

await Promise.all(
  queues.map(async (queue) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const a of queue) {
      const r = await client.query(
        `SELECT outcome FROM "${schema}".append_events($1, $2, $3, $4::json, $5::jsonb)`,
        [a.streamId, a.expected, a.tip, a.events, a.projection],
      );
      if (r.rows[0].outcome !== 'ok') throw new Error(`${a.streamId}: ${r.rows[0].outcome}`);
      process.stdout.write(`ack ${a.eventId}\n`);
    }
    await client.end();
  }),
);
process.stdout.write('done\n');
