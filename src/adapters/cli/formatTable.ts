/** A column of {@link formatTable}. */
export interface TableColumn {
  readonly header: string;
  /** Numbers read better right-aligned. */
  readonly align?: 'left' | 'right';
  /** Longer cells are cut with an ellipsis (messages, details). */
  readonly maxWidth?: number;
}

const clean = (cell: string, maxWidth: number | undefined): string => {
  // A cell is one line: a newline or tab inside a message must not break the table.
  const text = cell.replace(/[\r\n\t]+/g, ' ');
  return maxWidth !== undefined && text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
};

/**
 * Lays rows out as aligned columns, two spaces apart, headers first, without trailing spaces; ends with a newline.
 *
 * @example
 * formatTable([{ header: 'status' }, { header: 'jobs', align: 'right' }], [['Completed', '12']]);
 * // "status     jobs\nCompleted    12\n"
 */
export const formatTable = (
  columns: readonly TableColumn[],
  rows: readonly (readonly string[])[],
): string => {
  const cells = [
    columns.map((c) => c.header),
    ...rows.map((row) => columns.map((c, i) => clean(row[i] ?? '', c.maxWidth))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) =>
          columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
};
