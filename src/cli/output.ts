/** One column of a table: its header and how to get a cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  // One line per row: control characters (newlines, escapes) from the server never reach the terminal.
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/**
 * A plain-text table: a header row, then one row per item, columns left-aligned and separated by
 * two spaces, no trailing spaces. Empty cells show `-`.
 *
 * @example
 *   formatTable([{ n: 'a', v: 1 }], [{ header: 'NAME', value: (r) => r.n }, { header: 'V', value: (r) => r.v }])
 *   // 'NAME  V\na     1\n'
 */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const grid = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => cell(c.value(row))))];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => (line[i] ?? '').length)));
  return grid.map((line) => line.map((text, i) => text.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * `key: value` lines for one object, keys aligned.
 *
 * @example
 *   formatFields([['name', 'prod'], ['id', 'acct_1']]) // 'name: prod\nid:   acct_1\n'
 */
export function formatFields(fields: readonly (readonly [string, string | number | boolean | null | undefined])[]): string {
  const width = Math.max(0, ...fields.map(([key]) => key.length + 1));
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${cell(value)}`).join('\n') + '\n';
}

/** Pretty-printed JSON with a final newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A timestamp for tables: `2026-11-27 12:00:05Z` (UTC, to the second). */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The line under a list when it does not show everything: which window of how many, and how to see more. */
export function pageFooter(page: { total: number; limit: number; offset: number; items: readonly unknown[] }): string | undefined {
  const shown = page.items.length;
  if (page.offset === 0 && shown >= page.total) return undefined;
  const first = shown === 0 ? page.offset : page.offset + 1;
  const more = page.offset + shown < page.total ? `; next page: --offset ${page.offset + shown}` : '';
  return `(${first}-${page.offset + shown} of ${page.total}${more})\n`;
}
