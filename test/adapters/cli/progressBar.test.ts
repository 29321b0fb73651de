import { describe, expect, it, vi } from 'vitest';
import { formatCount, progressBar } from '../../../src/adapters/cli/progressBar.js';

const output = (isTTY: boolean, columns?: number) => {
  let text = '';
  return { out: { isTTY, columns, write: (t: string) => (text += t) }, text: () => text };
};

describe('progressBar', () => {
  it('on a terminal redraws one line in place (cli-progress) and clears it at the end', () => {
    vi.useFakeTimers();
    try {
      const o = output(true);
      const bar = progressBar(o.out, { label: 'demo', unit: 'jobs', total: 8 });
      bar.update(2, '10 events/s');
      vi.advanceTimersByTime(1000);
      bar.update(4);
      vi.advanceTimersByTime(1000);
      bar.finish();
      // Save the cursor; each frame goes to column 1 and clears what is right of it; at the end the line is
      // cleared. The estimate needs two updates: 2 jobs in 1 s leave 4 jobs, 2 s.
      expect(o.text()).toBe(
        '\x1b7' +
          '\x1b[1Gdemo [######------------------]  25% 2/8 jobs  eta ?  10 events/s\x1b[0K' +
          '\x1b[1Gdemo [############------------]  50% 4/8 jobs  eta 2s\x1b[0K' +
          '\x1b8\x1b[1G\x1b[2K',
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('on a terminal without a total shows the count and the time so far, cut to the width', () => {
    vi.useFakeTimers();
    try {
      const o = output(true, 30);
      const bar = progressBar(o.out, { label: 'replay', unit: 'events' });
      bar.update(1234, '99 events/s and more');
      vi.advanceTimersByTime(2000);
      bar.finish();
      expect(o.text()).toContain('\x1b[1Greplay 1 234 events  0s  99 ev\x1b[0K');
      expect(o.text()).toContain('\x1b[1Greplay 1 234 events  2s  99 ev\x1b[0K');
      expect(o.text().endsWith('\x1b8\x1b[1G\x1b[2K')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('draws again after finish, for a command that prints lines between updates', () => {
    const o = output(true);
    const bar = progressBar(o.out, { label: 'work', unit: 'jobs done' });
    bar.update(1);
    bar.finish();
    bar.update(2);
    bar.finish();
    const frames = o
      .text()
      .split('\x1b[1G')
      .filter((frame) => frame.startsWith('work'));
    expect(frames.map((frame) => /^work \d jobs done/.exec(frame)?.[0])).toEqual([
      'work 1 jobs done',
      'work 2 jobs done',
    ]);
    expect(o.text().endsWith('\x1b[2K')).toBe(true);
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
