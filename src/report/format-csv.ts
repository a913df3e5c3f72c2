/** A CSV cell: text is quoted and guarded as needed, numbers are written as is, null is empty. */
export type CsvCell = string | number | null;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
// Spreadsheets evaluate a cell starting with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Renders one field per RFC 4180: quoted when it contains a comma, a quote,
 * a line break or edge whitespace, with quotes doubled. Text starting with
 * `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe so a spreadsheet
 * shows it as text instead of running it. Pure.
 */
export function formatCsvField(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const guarded = FORMULA_START.test(cell) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** Renders a header and rows as RFC 4180 CSV with CRLF line ends (including the last line). Pure. */
export function formatCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvCell>>): string {
  return [header, ...rows].map((row) => `${row.map(formatCsvField).join(',')}\r\n`).join('');
}
