import { describe, expect, it } from 'vitest';
import { formatCount, progressBar } from '../../../src/adapters/cli/progressBar.js';

const output = (isTTY: boolean) => {
  let text = '';
  return { out: { isTTY, write: (t: string) => (text += t) }, text: () => text };
};

describe('progressBar', () => {
  it('on a terminal redraws one line in place and clears it at the end', () => {
    let t = 0;
    const o = output(true);
    const bar = progressBar(o.out, { label: 'demo', unit: 'jobs', total: 8, now: () => t });
    bar.update(2, '10 events/s');
    t += 1000;
    bar.update(4);
    bar.finish();
    expect(o.text()).toBe(
      '\r\x1b[2Kdemo [######------------------]  25% 2/8 jobs  10 events/s' +
        '\r\x1b[2Kdemo [############------------]  50% 4/8 jobs' +
        '\r\x1b[2K',
    );
  });

  it('elsewhere prints a plain line per quarter only, and nothing to clear', () => {
    const o = output(false);
    const bar = progressBar(o.out, { label: 'demo', unit: 'jobs', total: 100, now: () => 0 });
    for (let i = 1; i <= 100; i++) bar.update(i);
    bar.finish();
    expect(o.text()).toBe(
      'demo: 25% 25/100 jobs\ndemo: 50% 50/100 jobs\ndemo: 75% 75/100 jobs\ndemo: 100% 100/100 jobs\n',
    );
  });

  it('without a total counts, and in a log prints at most one line per 10 s', () => {
    let t = 0;
    const o = output(false);
    const bar = progressBar(o.out, { label: 'replay', unit: 'events', now: () => t });
    bar.update(1000);
    t = 5000;
    bar.update(2000);
    t = 10_500;
    bar.update(3000);
    expect(o.text()).toBe('replay 3 000 events\n');
  });

  it('formats counts in groups of three digits', () => {
    expect(formatCount(1234567)).toBe('1 234 567');
    expect(formatCount(12)).toBe('12');
  });
});
