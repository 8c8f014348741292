/**
 * Summary of a .cpuprofile: the top functions by self time, and the time under named stages of
 * the check (a sample counts for the first stage found walking up its stack). Used to say where
 * a static check's CPU goes (issue 15).
 *
 *   node --import tsx bench/support/profile-summary.ts /tmp/prof/mapwatch-crawl.cpuprofile [top]
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Stage of the check → functions (or file fragments) whose subtree belongs to it; first match up the stack wins. */
const STAGES: [string, RegExp][] = [
  ['GC', /^\(garbage collector\)$/],
  ['idle', /^\((idle|program)\)$/],
  [
    'fetch (undici, sockets, robots, gate)',
    /src\/fetch\/(fetch-page|http-hop|read-body|robots|address-guard|charset|gunzip)|node_modules\/undici/,
  ],
  ['bot-wall scan', /src\/fetch\/bot-wall/],
  ['HTML parse (cheerio.load)', /node_modules\/(parse5|htmlparser2|cheerio|domhandler|entities)|^load$/],
  [
    'visible-text cross-check',
    /src\/extract\/(visible-text|regions|text-price|unclassed-prices|price-context|price-features)/,
  ],
  [
    'structured data (JSON-LD, microdata, meta)',
    /src\/extract\/(json-ld|microdata|meta-tags|lenient-json|embedded|match-embedded|magento)/,
  ],
  ['extract (index, currency, pick)', /src\/extract\//],
  ['learn/locator', /src\/learn\//],
  ['compare', /src\/compare\//],
  ['DB client (pg, kysely)', /node_modules\/(pg|pg-protocol|pg-pool|kysely)|src\/db\//],
  ['cases/record', /src\/cases\/|src\/check\/(record-read|findings)/],
  ['hash (sha256)', /^(digest|update)$|node:internal\/crypto/],
];

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(process.argv[3] ?? 25);
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<string, number>();
const stage = new Map<string, number>();
let total = 0;
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  total += dt;
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + dt);
  let s = 'other';
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    const hit = STAGES.find(([, re]) => re.test(f.functionName) || re.test(f.url));
    if (hit) {
      s = hit[0];
      break;
    }
  }
  stage.set(s, (stage.get(s) ?? 0) + dt);
});
const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5);
console.log(`total ${ms(total)} ms sampled`);
console.log('\nby stage:');
for (const [k, v] of [...stage].sort((a, b) => b[1] - a[1])) console.log(`${ms(v)} ms ${pct(v)} %  ${k}`);
console.log(`\ntop ${top} by self time:`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(v)} ms ${pct(v)} %  ${k}`);
