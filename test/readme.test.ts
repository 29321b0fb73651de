import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machineAsMermaid } from '../src/adapters/cli/machineCommand.js';
import { transitionTable } from '../src/domain/transitionTable.js';

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('shows the status diagram that `jobledger machine` prints', () => {
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block?.trim()).toBe(machineAsMermaid(transitionTable, 'Created').trim());
  });

  it('names the two commands a newcomer needs', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
