// The benchmark as CSV (the explorer's export, a report's attachment): one row per brand, numbers as the API gives them (unformatted, dot
// decimals, fractions for percentages), so that a spreadsheet or a script reads them back exactly.
import type { BenchmarkRow } from './schemas/kpi.js';

export const CSV_COLUMNS = [
  'brand',
  'name',
  'value',
  'rank',
  'index',
  'share',
  'previous',
  'delta',
  'deltaPct',
  'gapToLeader',
] as const satisfies readonly (keyof BenchmarkRow)[];

/** RFC 4180 quoting, and a leading quote on text a spreadsheet would run as a formula. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  // OWASP CSV injection: a brand named "=HYPERLINK(…)" must stay text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV text of benchmark rows, header first, one line per row, `\n`-terminated. */
export function benchmarkCsv(rows: readonly BenchmarkRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((column) => cell(row[column])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Several KPIs' benchmarks in one file (a report's attachment): a `kpi` column first. */
export function benchmarkTablesCsv(
  tables: readonly { kpi: string; rows: readonly BenchmarkRow[] }[],
): string {
  const lines = [['kpi', ...CSV_COLUMNS].join(',')];
  for (const { kpi, rows } of tables) {
    for (const row of rows)
      lines.push([cell(kpi), ...CSV_COLUMNS.map((column) => cell(row[column]))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** `benchmark-<kpi>-<window>.csv`, or `benchmark-<kpi>-<from>_<to>.csv` for a custom range. */
export function benchmarkCsvName(kpi: string, range: { window: string; from?: string; to?: string }): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, '-');
  const span =
    range.window === 'custom' ? `${safe(range.from ?? '')}_${safe(range.to ?? '')}` : safe(range.window);
  return `benchmark-${safe(kpi)}-${span}.csv`;
}
