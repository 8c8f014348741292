/**
 * Streams a list as CSV (RFC 4180): a header row, then rows as they come from an async
 * source (a cursor walk through SQL pages), so a 100,000-row export never sits in memory.
 * Cells that start with = + - @ (or tab/CR) are prefixed with a quote: a seller name from a
 * crawled page must not become a formula when compliance opens the file in a spreadsheet.
 */
import type { Response } from 'express';
import { csvCell } from '../../csv-cell.js';

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | boolean | Date | null | undefined;
}

export { csvCell } from '../../csv-cell.js';

export async function sendCsv<T>(
  res: Response,
  o: { filename: string; columns: CsvColumn<T>[]; rows: AsyncIterable<T[]> },
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${o.filename.replace(/[^\w.-]/g, '_')}"`);
  res.write(o.columns.map((c) => csvCell(c.header)).join(',') + '\r\n');
  for await (const batch of o.rows) {
    if (!batch.length) continue;
    const chunk = batch.map((r) => o.columns.map((c) => csvCell(c.value(r))).join(',') + '\r\n').join('');
    // Respect backpressure: a slow client must not make the server buffer the whole export.
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
}
