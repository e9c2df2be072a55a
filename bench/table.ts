/** Plain-text tables for the terminal (and Markdown tables for docs/benchmarks.md). */

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table (data set, parameters, caveats). */
  readonly notes?: readonly string[];
}

function widths(table: Table): number[] {
  return table.columns.map((column, i) => Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)));
}

/** Numbers, optionally with a unit suffix and a parenthesised spread: "12.3", "4.5x", "812 (479-882)". */
const isNumeric = (cell: string): boolean => /^[-+]?[\d,.]+(x|%| s| ms)?( \([^)]*\))?$/.test(cell);

export function renderTable(table: Table): string {
  const w = widths(table);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (isNumeric(cell) ? cell.padStart(w[i]!) : cell.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  const out = [table.title, line(table.columns), w.map((n) => '-'.repeat(n)).join('  ')];
  for (const row of table.rows) out.push(line(table.columns.map((_, i) => row[i] ?? '')));
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

export function renderMarkdownTable(table: Table): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|');
  const out = [`**${table.title}**`, '', `| ${table.columns.map(esc).join(' | ')} |`, `|${table.columns.map(() => '---').join('|')}|`];
  for (const row of table.rows) out.push(`| ${table.columns.map((_, i) => esc(row[i] ?? '')).join(' | ')} |`);
  if (table.notes?.length) out.push('', ...table.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
