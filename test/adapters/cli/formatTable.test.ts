import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../src/adapters/cli/formatTable.js';

describe('formatTable', () => {
  it('aligns columns two spaces apart, numbers right, without trailing spaces', () => {
    const text = formatTable(
      [{ header: 'status' }, { header: 'jobs', align: 'right' }, { header: 'note' }],
      [
        ['Completed', '120', ''],
        ['Failed', '7', 'x'],
      ],
    );
    expect(text).toBe('status     jobs  note\nCompleted   120\nFailed        7  x\n');
  });

  it('keeps a cell on one line and cuts it at maxWidth with an ellipsis', () => {
    const text = formatTable([{ header: 'message', maxWidth: 10 }], [['line one\nline two is long']]);
    expect(text).toBe('message\nline one …\n');
  });

  it('measures wide characters in terminal columns, so the columns stay aligned', () => {
    const text = formatTable(
      [{ header: 'name' }, { header: 'n', align: 'right' }],
      [
        ['日本語', '1'],
        ['abc', '22'],
      ],
    );
    expect(text).toBe('name     n\n日本語   1\nabc     22\n');
  });
});
