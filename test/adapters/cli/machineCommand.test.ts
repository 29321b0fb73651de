import { describe, expect, it } from 'vitest';
import { machineCommand } from '../../../src/adapters/cli/machineCommand.js';
import { jobStatusNames } from '../../../src/domain/JobStatusName.js';
import { transitionTable } from '../../../src/domain/transitionTable.js';
import { harness, oneLineFailure } from './cliHarness.js';

describe('jobledger machine', () => {
  it('--format json prints exactly the transition table the ledger enforces', async () => {
    const h = harness();
    expect(await machineCommand(['--format', 'json'], h.io)).toBe(0);
    expect(JSON.parse(h.stdout())).toEqual(transitionTable);
  });

  it('draws every edge of the table in Mermaid, from the initial state to the terminal ones', async () => {
    const h = harness();
    expect(await machineCommand([], h.io)).toBe(0);
    const lines = h.stdout().trim().split('\n');
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('    [*] --> Created');
    const edges = lines.filter((l) => /^ {4}\w+ --> \w+$/.test(l)).map((l) => l.trim().split(' --> '));
    expect(edges).toEqual(jobStatusNames.flatMap((from) => transitionTable[from].map((to) => [from, to])));
    for (const terminal of ['Completed', 'Failed', 'Canceled'])
      expect(lines).toContain(`    ${terminal} --> [*]`);
    expect(lines.filter((l) => l.endsWith('--> [*]'))).toHaveLength(3);
  });

  it('refuses an unknown format in one line, exit 2', async () => {
    const h = harness();
    expect(await machineCommand(['--format', 'dot'], h.io)).toBe(2);
    expect(h.stderr()).toMatch(oneLineFailure);
    expect(h.stderr()).toContain('--format must be one of mermaid, json');
    expect(h.stdout()).toBe('');
  });
});
