// The worker-thread side of `verifyLedger`: verifies the job streams the reading thread hands it, one
// `createStreamVerifier` per stream, exactly as the reading thread would. Started by `verifyThreads.ts`.
import { parentPort } from 'node:worker_threads';
import * as E from 'fp-ts/lib/Either.js';
import type { UpcasterRegistry } from '../domain/upcasters.js';
import { createStreamVerifier, type VerifyProblem } from '../domain/verifyStream.js';
import type { ToVerifyThread } from './verifyThreads.js';

const port = parentPort;
if (port === null) throw new Error('verifyWorker.js runs as a worker thread of verifyLedger, not on its own');

// Upcasters are functions and cannot cross threads: the reading thread runs them for every event below its
// type's current schema version and sends the result along; the verifier reads it back through this registry.
let upcastResult: E.Either<string, unknown> | undefined;
const upcasters: UpcasterRegistry = {
  register() {
    throw new Error('a verify thread takes the upcasts the reading thread computed; it registers none');
  },
  upcast: (_type, _schemaVersion, data) => upcastResult ?? E.right(data),
};

const verifiers = new Map<string, ReturnType<typeof createStreamVerifier>>();

port.on('message', (message: ToVerifyThread) => {
  if (message.kind === 'events') {
    const { events, upcasts } = message;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      let verifier = verifiers.get(event.streamId);
      if (verifier === undefined) {
        verifier = createStreamVerifier(event.streamId, upcasters);
        verifiers.set(event.streamId, verifier);
      }
      upcastResult = upcasts?.get(i);
      verifier.push(event);
    }
    upcastResult = undefined;
    port.postMessage({ kind: 'ack' });
    return;
  }
  const problems: [string, readonly VerifyProblem[]][] = [];
  for (const [streamId, verifier] of verifiers) {
    const found = verifier.finish();
    if (found.length > 0) problems.push([streamId, found]);
  }
  verifiers.clear();
  port.postMessage({ kind: 'problems', problems });
});
