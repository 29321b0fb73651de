import type * as OtelApi from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { loadOptionalPackage } from '../../src/adapters/optionalPackage.js';

describe('optional peer dependencies', () => {
  it('a missing one fails with one line naming what needs it and the install command', async () => {
    const failure = await loadOptionalPackage('@jobledger-test/not-installed', {
      purpose: 'jobledger serve --metrics',
      install: ['@jobledger-test/not-installed', '@jobledger-test/also-needed'],
    }).catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      'jobledger serve --metrics needs @jobledger-test/not-installed, which is not installed; run npm install @jobledger-test/not-installed @jobledger-test/also-needed',
    );
  });

  it('an installed one loads', async () => {
    const api = await loadOptionalPackage<typeof OtelApi>('@opentelemetry/api', {
      purpose: 'a test',
    });
    expect(typeof api.trace.getTracer).toBe('function');
  });
});
