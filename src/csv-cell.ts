/**
 * One CSV cell (RFC 4180). A cell that starts with = + - @ (or tab/CR) is prefixed with a
 * quote: a seller name from a crawled page must not become a formula when compliance opens
 * the file in a spreadsheet. At the root of src/ because the API's CSV export and the
 * weekly report's attachment (notify) both write CSV.
 */
export function csvCell(v: string | number | boolean | Date | null | undefined): string {
  if (v == null) return '';
  let s = v instanceof Date ? v.toISOString() : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
