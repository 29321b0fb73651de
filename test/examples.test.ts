import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quickstart } from '../examples/quickstart.js';
import { telemetryExample } from '../examples/telemetry.js';
import { workerExample } from '../examples/worker.js';
import { exampleAsShown, readmeCodeUnder } from './support/readmeExample.js';

describe('the README examples run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobledger-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('quickstart completes a job and pollJob answers Completed (memory and SQLite)', async () => {
    expect(await quickstart('memory:')).toEqual({ _tag: 'Right', right: 'Completed' });
    expect(await quickstart(`sqlite:${join(dir, 'quickstart.db')}`)).toEqual({
      _tag: 'Right',
      right: 'Completed',
    });
  });

  it('quickstart is the code shown in the README', () => {
    expect(readmeCodeUnder('## In a program')).toBe(
      exampleAsShown('quickstart.ts', '  return status;', {
        'openStore(storeUrl)': "openStore('sqlite:./jobledger.db')",
      }),
    );
  });

  it('worker: a job created after the worker started is run and Completed, its result readable', async () => {
    expect(await workerExample(`sqlite:${join(dir, 'worker.db')}`)).toEqual({
      status: { _tag: 'Right', right: 'Completed' },
      result: { _tag: 'Right', right: { score: 1 } },
    });
  });

  it('the worker example is the code shown in the README', () => {
    expect(readmeCodeUnder('## Workers')).toBe(
      exampleAsShown('worker.ts', '  return { status, result };', {
        'openStore(storeUrl)': "openStore('sqlite:./jobledger.db')",
      }),
    );
  });

  it('telemetry: the command is a span inside the caller’s, the jobs gauge reads the read model', async () => {
    const seen = await telemetryExample(`sqlite:${join(dir, 'telemetry.db')}`);
    expect(seen.names).toEqual(['jobledger.store.append', 'jobledger.command', 'POST /render']);
    expect(seen.command).toMatchObject({
      'jobledger.command.type': 'createJob',
      'jobledger.status.from': 'Created',
      'jobledger.status.to': 'Pending',
      'jobledger.store.kind': 'sqlite',
      'jobledger.outcome': 'ok',
    });
    expect(seen.pendingJobs).toBe(1);
  });
});
