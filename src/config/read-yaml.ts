/**
 * Reads one YAML file for a config loader (site configs, mapwatch.config.yaml): strict
 * UTF-8, YAML syntax, and a bounded alias expansion, each reported with file and line
 * instead of an internal error. Also locates a field path in the document for messages.
 */
import fs from 'node:fs';
import { type Document, LineCounter, parseDocument, visit } from 'yaml';
import { decodeText } from '../catalog/read-csv.js';
import type { InputProblem } from '../errors.js';

export interface YamlFile {
  doc: Document;
  lc: LineCounter;
  /** The document as plain JavaScript values. */
  value: unknown;
}

/**
 * Aliases a document may expand, as `yaml` counts them (its own default). A few dozen
 * bytes of nested aliases ("billion laughs") would otherwise expand to gigabytes.
 */
const MAX_ALIAS_COUNT = 100;

/** `rel` is the name used in messages (relative to the working folder). */
export function readYamlFile(file: string, rel: string): { yaml?: YamlFile; problems: InputProblem[] } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    return { problems: [{ file: rel, message: `cannot read (${(err as NodeJS.ErrnoException).code})` }] };
  }
  const { text, badLines } = decodeText(buf);
  if (badLines.length)
    return {
      problems: badLines.map((line) => ({ file: rel, line, message: 'is not valid UTF-8: save the file as UTF-8' })),
    };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => ({
        file: rel,
        line: e.linePos?.[0]?.line,
        message: `invalid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    // `yaml` refuses an alias bomb (or an alias to an anchor that is not defined) while expanding.
    return { problems: [{ file: rel, line: firstAliasLine(doc, lc), message: `invalid YAML: ${aliasMessage(err)}` }] };
  }
  // "\0" in a quoted string is valid YAML, but Postgres cannot store NUL in text: refuse it here.
  const nul = nulPaths(value).map((p) => ({
    file: rel,
    line: lineOf(doc, lc, p),
    field: fieldPath(p) || undefined,
    message: 'contains a NUL character (\\0); remove it',
  }));
  if (nul.length) return { problems: nul };
  return { yaml: { doc, lc, value }, problems: [] };
}

/** Paths of the strings (keys or values) holding a NUL character; walked without recursion. */
function nulPaths(root: unknown): PropertyKey[][] {
  const found: PropertyKey[][] = [];
  const stack: { v: unknown; p: PropertyKey[] }[] = [{ v: root, p: [] }];
  while (stack.length && found.length < 50) {
    const { v, p } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) found.push(p);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, p: [...p, i] }));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\0')) found.push([...p, k]);
        else stack.push({ v: x, p: [...p, k] });
      }
    }
  }
  return found.reverse();
}

function aliasMessage(err: ReferenceError): string {
  return /excessive alias count/i.test(err.message)
    ? `its aliases (*name) expand to too much data (more than ${MAX_ALIAS_COUNT} expansions); write the values out or use fewer aliases`
    : err.message;
}

function firstAliasLine(doc: Document, lc: LineCounter): number | undefined {
  let line: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.range) line = lc.linePos(node.range[0]).line;
      return visit.BREAK;
    },
  });
  return line;
}

/** `listings[1].sku` for ['listings', 1, 'sku']. */
export function fieldPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

/** The line of the deepest node on `p` that exists, so a missing field points at its parent. */
export function lineOf(doc: Document, lc: LineCounter, p: readonly PropertyKey[]): number | undefined {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n) as (string | number)[], true) as
      { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}
