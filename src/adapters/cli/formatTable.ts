import Table from 'cli-table3';
import stringWidth from 'string-width';

/** A column of {@link formatTable}. */
export interface TableColumn {
  readonly header: string;
  /** Numbers read better right-aligned. */
  readonly align?: 'left' | 'right';
  /** Longer cells are cut with an ellipsis (messages, details), measured in terminal columns. */
  readonly maxWidth?: number;
}

/** No borders: columns two spaces apart, as `ls -l` and `ps` print them. */
const borderless = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** A cell is one line: a newline or tab inside a message must not break the table. */
const oneLine = (cell: string): string => cell.replace(/[\r\n\t]+/g, ' ');

/**
 * Lays rows out as aligned columns, two spaces apart, headers first, without trailing spaces; ends with a newline.
 * cli-table3 lays them out, in terminal columns (a CJK character or an emoji takes two).
 *
 * @example
 * formatTable([{ header: 'status' }, { header: 'jobs', align: 'right' }], [['Completed', '12']]);
 * // "status     jobs\nCompleted    12\n"
 */
export const formatTable = (
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
): string => {
  const cells = rows.map((row) => columns.map((_, i) => oneLine(row[i] ?? '')));
  const table = new Table({
    head: columns.map((c) => c.header),
    chars: borderless,
    colAligns: columns.map((c) => c.align ?? 'left'),
    // A capped column is as wide as its widest cell, up to the cap; the others are as wide as their cells.
    colWidths: columns.map((c, i) =>
      c.maxWidth === undefined
        ? null
        : Math.min(c.maxWidth, Math.max(stringWidth(c.header), ...cells.map((row) => stringWidth(row[i]!)))),
    ),
    wordWrap: false,
    truncate: '…',
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  table.push(...cells);
  return table
    .toString()
    .split('\n')
    .map((line) => `${line.trimEnd()}\n`)
    .join('');
};
