// A worker thread of `verifyLedger` that verifies its own part of the log: it opens the log itself (the store's
// URL), reads the part's streams and verifies them exactly as the first thread verifies its own, then answers
// its part's report. Started by `verifyLedger.ts` (verifyInParts).
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../adapters/openStore.js';
import { logPartitions } from '../domain/eventPages.js';
import { defaultUpcasters } from '../domain/upcasters.js';
import { createPartVerifier } from './verifyPart.js';
import type { FromVerifyPart, VerifyPartInput } from './verifyThreads.js';

const port = parentPort;
if (port === null)
  throw new Error('verifyPartWorker.js runs as a worker thread of verifyLedger, not on its own');
const { url, count, index, collectFiles } = workerData as VerifyPartInput;

const store = openStore(url);
try {
  const partitions = logPartitions(store.readAll());
  if (partitions === undefined) throw new Error(`${store.description} cannot be read in parts`);
  const part = createPartVerifier(defaultUpcasters, collectFiles);
  for await (const page of partitions.read(count, index)) {
    for (const event of page) part.push(event, Number(event.position));
    const progress: FromVerifyPart = { kind: 'progress', events: part.events, streams: part.streams };
    port.postMessage(progress);
  }
  const answer: FromVerifyPart = { kind: 'report', report: part.report() };
  port.postMessage(answer);
} finally {
  await store.close();
}
