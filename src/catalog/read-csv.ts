/**
 * Reads a CSV file into validated rows, each with its line number, or throws one
 * InputError listing every bad row as file + line + column. Nothing is written here,
 * so an import can validate the whole file before its transaction starts.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { InputError, type InputProblem, UserError } from '../errors.js';

export interface CsvRow<T> {
  line: number;
  value: T;
}

const MAX_PROBLEMS = 50;

export function readCsv<S extends z.ZodType>(
  file: string,
  schema: S,
  columns: { required: string[]; optional: string[] },
): CsvRow<z.output<S>>[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
    });
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new InputError([
      { file, line: e.lines, message: `not valid CSV: ${e.message.replace(/^Invalid .*?: /, '')}` },
    ]);
  }
  const problems: InputProblem[] = [];
  const header = text
    .split(/\r?\n/, 1)[0]!
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((h) => h.trim().toLowerCase().replace(/^"|"$/g, ''));
  const known = new Set([...columns.required, ...columns.optional]);
  for (const col of header) {
    if (!known.has(col))
      problems.push({ file, line: 1, column: col, message: `unknown column (expected: ${[...known].join(', ')})` });
  }
  for (const col of columns.required) {
    if (!header.includes(col)) problems.push({ file, line: 1, column: col, message: 'required column is missing' });
  }
  if (problems.length) throw new InputError(problems);
  if (records.length === 0) throw new InputError([{ file, message: 'no data rows after the header' }]);

  const rows: CsvRow<z.output<S>>[] = [];
  for (const { record, info } of records) {
    // Empty cells mean "not given", so optional columns can be left blank.
    const cleaned = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''));
    const parsed = schema.safeParse(cleaned);
    if (parsed.success) {
      rows.push({ line: info.lines, value: parsed.data });
    } else {
      for (const issue of parsed.error.issues) {
        problems.push({
          file,
          line: info.lines,
          column: issue.path.length ? String(issue.path[0]) : undefined,
          message: issue.message,
        });
      }
      if (problems.length >= MAX_PROBLEMS) break;
    }
  }
  if (problems.length) throw new InputError(problems);
  return rows;
}

/** Refuses two rows with the same key, naming both lines. */
export function assertUniqueRows<T>(file: string, rows: CsvRow<T>[], column: string, key: (v: T) => string): void {
  const seen = new Map<string, number>();
  const problems: InputProblem[] = [];
  for (const r of rows) {
    const k = key(r.value);
    const prev = seen.get(k);
    if (prev !== undefined)
      problems.push({ file, line: r.line, column, message: `duplicate "${k}" (also on line ${prev})` });
    else seen.set(k, r.line);
  }
  if (problems.length) throw new InputError(problems);
}
