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

export interface ReadCsvOptions {
  /**
   * The file's character encoding, as a WHATWG label ('windows-1252', 'latin1', 'utf-16le').
   * Default: UTF-8, strictly: a file that is not valid UTF-8 is refused with the lines at
   * fault, because decoding it anyway would store U+FFFD in place of every accented letter.
   */
  encoding?: string;
}

export function readCsv<S extends z.ZodType>(
  file: string,
  schema: S,
  columns: { required: string[]; optional: string[] },
  opts: ReadCsvOptions = {},
): CsvRow<z.output<S>>[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const decoded = decodeText(buf, opts.encoding);
  const text = decoded.text;
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
    // Bytes that are not UTF-8 are the likelier cause, and the more useful report.
    if (decoded.badLines.length) throw new InputError(encodingProblems(file, [], decoded.badLines));
    const e = err as Error & { lines?: number };
    throw new InputError([
      { file, line: e.lines, message: `not valid CSV: ${e.message.replace(/^Invalid .*?: /, '')}` },
    ]);
  }
  if (decoded.badLines.length) throw new InputError(encodingProblems(file, records, decoded.badLines));
  const nul = nulProblems(file, text, records);
  if (nul.length) throw new InputError(nul);
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

/**
 * The first problems of a long list, and one line saying how many more there are: a file of
 * 65,536 unknown SKUs gets a readable report, not 65,536 lines.
 */
export function firstProblems(file: string, problems: InputProblem[]): InputProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const more = problems.length - MAX_PROBLEMS;
  return [
    ...problems.slice(0, MAX_PROBLEMS),
    { file, message: `… and ${more.toLocaleString('en-US')} more problem(s) like these` },
  ];
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

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the file: with the stated encoding, from a UTF-16 byte-order mark, or as strict
 * UTF-8. For UTF-8 that does not decode, `badLines` are the (1-based) lines holding bytes
 * that are not UTF-8.
 */
export function decodeText(buf: Buffer, encoding?: string): { text: string; badLines: number[] } {
  if (encoding && !/^utf-?8$/i.test(encoding)) {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(encoding);
    } catch {
      throw new UserError(
        `"${encoding}" is not a character encoding this program knows (try utf-8, windows-1252, latin1 or utf-16le)`,
      );
    }
    return { text: decoder.decode(buf), badLines: [] };
  }
  if (!encoding && buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)))
    return { text: new TextDecoder(buf[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(buf), badLines: [] };
  try {
    return { text: UTF8.decode(buf), badLines: [] };
  } catch {
    const badLines: number[] = [];
    let line = 1;
    for (let start = 0; start < buf.length && badLines.length < MAX_PROBLEMS; line++) {
      let end = buf.indexOf(0x0a, start);
      if (end === -1) end = buf.length;
      try {
        UTF8.decode(buf.subarray(start, end));
      } catch {
        badLines.push(line);
      }
      start = end + 1;
    }
    return { text: new TextDecoder('utf-8').decode(buf), badLines };
  }
}

function encodingProblems(
  file: string,
  records: { record: Record<string, string>; info: { lines: number } }[],
  badLines: number[],
): InputProblem[] {
  const message =
    'is not valid UTF-8 (an accented letter saved as Latin-1 or Windows-1252?): save the file as UTF-8, or state its encoding, e.g. windows-1252';
  const bad = new Set(badLines);
  const problems: InputProblem[] = [];
  const located = new Set<number>();
  for (const { record, info } of records) {
    if (!bad.has(info.lines)) continue;
    for (const [column, v] of Object.entries(record)) {
      if (v.includes('\uFFFD')) {
        problems.push({ file, line: info.lines, column, message: `text ${message}` });
        located.add(info.lines);
      }
    }
  }
  // Bytes in the header, or in a cell that spans lines, are reported by line alone.
  for (const line of badLines) if (!located.has(line)) problems.push({ file, line, message: `the line ${message}` });
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)).slice(0, MAX_PROBLEMS);
}

/** NUL cannot be stored in a Postgres text column; the cell is named instead of a database error. */
function nulProblems(
  file: string,
  text: string,
  records: { record: Record<string, string>; info: { lines: number } }[],
): InputProblem[] {
  if (!text.includes('\0')) return [];
  const problems: InputProblem[] = [];
  const header = text.split('\n', 1)[0]!;
  if (header.includes('\0')) problems.push({ file, line: 1, message: 'the header contains a NUL byte (\\0)' });
  for (const { record, info } of records) {
    for (const [column, v] of Object.entries(record)) {
      if (v.includes('\0'))
        problems.push({ file, line: info.lines, column, message: 'contains a NUL byte (\\0); remove it' });
    }
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}
