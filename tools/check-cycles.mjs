#!/usr/bin/env node
// Fails when the folders under src/ import each other in a cycle. The folders are the
// stages of the data flow (config → schedule → queue → fetch → … → cli), so a cycle
// between two of them means a stage reaches back upstream. Type-only imports count too:
// they still tie the folders' meaning together.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const importRe =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

/** The top-level folder under src/ a file belongs to ('.' for files directly in src/). */
const folderOf = (file) => {
  const rel = relative(root, file);
  return rel.includes(sep) ? rel.split(sep)[0] : '.';
};

const edges = new Map(); // folder -> Map(folder -> example "a.ts -> b.ts")
for (const file of files(root)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root + sep)) continue;
    const from = folderOf(file);
    const to = folderOf(target);
    if (from === to || from === '.' || to === '.') continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(root, file)} → ${spec}`);
  }
}

// Tarjan's strongly connected components: every component of more than one folder is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function strong(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) components.push(comp.sort());
  }
}
for (const v of edges.keys()) if (!idx.has(v)) strong(v);

if (components.length === 0) {
  console.log(
    `no import cycles between the ${new Set([...edges.keys()]).size} folders of ${relative(process.cwd(), root) || '.'}`,
  );
  process.exit(0);
}
for (const comp of components) {
  console.error(`import cycle between folders: ${comp.join(', ')}`);
  for (const a of comp)
    for (const [b, example] of edges.get(a) ?? [])
      if (comp.includes(b)) console.error(`  ${a} → ${b}   (e.g. ${example})`);
}
process.exit(1);
