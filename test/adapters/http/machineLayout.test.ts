import { describe, expect, it } from 'vitest';
import { machineLayout } from '../../../src/adapters/http/machineLayout.js';
import { isTerminalStatus, jobStatusNames } from '../../../src/domain/JobStatusName.js';
import { transitionTable } from '../../../src/domain/transitionTable.js';

describe('the page’s layout of the status machine', () => {
  const layout = machineLayout();

  it('has every status once and exactly the edges of the transition table', () => {
    expect(layout.states.map((s) => s.name)).toEqual(jobStatusNames);
    expect(layout.edges).toEqual(
      jobStatusNames.flatMap((from) => transitionTable[from].map((to) => ({ from, to }))),
    );
    expect(layout.initial).toBe('Created');
  });

  it('places no two statuses on one spot, all inside the picture', () => {
    const spots = new Set(layout.states.map((s) => `${s.x},${s.y}`));
    expect(spots.size).toBe(jobStatusNames.length);
    for (const s of layout.states) {
      expect(s.x - layout.box.width / 2).toBeGreaterThan(0);
      expect(s.x + layout.box.width / 2).toBeLessThan(layout.width);
      expect(s.y - layout.box.height / 2).toBeGreaterThan(0);
      expect(s.y + layout.box.height / 2).toBeLessThan(layout.height);
    }
  });

  it('reads left to right: the initial status first, terminal statuses last, each first reached one column on', () => {
    const x = new Map(layout.states.map((s) => [s.name, s.x]));
    const rightmost = Math.max(...x.values());
    for (const s of layout.states)
      expect([s.name, s.x === rightmost]).toEqual([s.name, isTerminalStatus(s.name)]);
    expect(Math.min(...x.values())).toBe(x.get('Created'));
    expect(x.get('Pending')!).toBeGreaterThan(x.get('Created')!);
    expect(x.get('Claimed')!).toBeGreaterThan(x.get('Pending')!);
    expect(x.get('Running')).toBe(x.get('Validating'));
  });

  it('follows the table it is given', () => {
    const small = machineLayout(
      { ...transitionTable, Created: ['Pending'], Pending: ['Completed'] } as typeof transitionTable,
      'Created',
    );
    expect(small.edges.filter((e) => e.from === 'Created' || e.from === 'Pending')).toEqual([
      { from: 'Created', to: 'Pending' },
      { from: 'Pending', to: 'Completed' },
    ]);
  });
});
