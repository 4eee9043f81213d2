// A table of rows under column headings, the one component behind the lists of history and log
// entries: columns are data (heading, cell, class), and an empty list shows a sentence instead.
import type { ComponentChildren } from "preact";

export interface Column<R> {
  header: string;
  cell: (row: R) => ComponentChildren;
  /** The class of this column's cells (e.g. "num" for figures). */
  class?: string;
}

export interface DataTableProps<R> {
  rows: readonly R[];
  columns: readonly Column<R>[];
  rowKey: (row: R, index: number) => string | number;
  caption?: string;
  /** The caption is for screen readers only. */
  captionHidden?: boolean;
  class?: string;
  /** Wrapped in a horizontally scrolling box (for wide tables). */
  wrap?: boolean;
  /** What an empty list shows: a paragraph instead of the table, or (`emptyInTable`) the table's one row. */
  empty: string;
  emptyInTable?: boolean;
}

export function DataTable<R>(p: DataTableProps<R>) {
  if (p.rows.length === 0 && !p.emptyInTable) return <p>{p.empty}</p>;
  const table = (
    <table class={p.class}>
      {p.caption !== undefined ? (
        <caption class={p.captionHidden ? "visually-hidden" : undefined}>{p.caption}</caption>
      ) : null}
      <thead>
        <tr>
          {p.columns.map((c) => (
            <th scope="col" key={c.header}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {p.rows.length === 0 ? (
          <tr>
            <td colSpan={p.columns.length}>{p.empty}</td>
          </tr>
        ) : (
          p.rows.map((row, i) => (
            <tr key={p.rowKey(row, i)}>
              {p.columns.map((c) => (
                <td key={c.header} class={c.class}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
  return p.wrap ? <div class="table-wrap">{table}</div> : table;
}
