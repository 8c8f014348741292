// `npm run mutate [group…]`: StrykerJS on the core modules, one module group at a time
// (tools/mutate-groups.mjs), then one table of mutation scores per group and overall.
// Each group's run is niced and holds /tmp/mapwatch-heavy.lock, so it never runs beside
// another heavy job (Chromium tests, the demo, another mutation run) on a shared machine.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { GROUPS } from './mutate-groups.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const reportOnly = process.argv.includes('--report-only');
for (const g of asked) {
  if (!GROUPS[g]) {
    console.error(`mutate: unknown group "${g}"; groups: ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  }
}
const names = asked.length ? asked : Object.keys(GROUPS);

const hasFiles = (globs) =>
  globs.some(
    (g) =>
      !g.startsWith('!') &&
      fs.existsSync(
        path.join(
          root,
          g
            .split('*')[0]
            .replace(/:\d+(:\d+)?-\d+(:\d+)?$/, '') // a line range ('file.ts:16-37')
            .replace(/\/$/, ''),
        ),
      ),
  );
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

let failed = false;
if (!reportOnly) {
  for (const name of names) {
    if (!hasFiles(GROUPS[name].mutate)) {
      console.log(`mutate: group ${name}: no source files yet (${GROUPS[name].mutate[0]}), skipped`);
      continue;
    }
    console.log(`\nmutate: group ${name}`);
    const stryker = [process.execPath, path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run'];
    const cmd = [
      ...(has('nice') ? ['nice', '-n', '19'] : []),
      ...(has('flock') ? ['flock', '/tmp/mapwatch-heavy.lock'] : []),
      ...stryker,
    ];
    const r = spawnSync(cmd[0], cmd.slice(1), {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, MAPWATCH_MUTATE_GROUP: name },
    });
    if (r.status !== 0) {
      console.error(`mutate: group ${name}: stryker exited with ${r.status ?? r.signal}`);
      failed = true;
    }
  }
}

// Stryker's score: detected (killed, timed out) over detected plus undetected (survived,
// not covered by any test). Compile and runtime errors and ignored mutants don't count.
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const rows = [];
let tot = { detected: 0, undetected: 0 };
for (const name of names) {
  const file = path.join(root, 'reports/mutation', `${name}.json`);
  if (!fs.existsSync(file)) continue;
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const c = { detected: 0, undetected: 0 };
  for (const f of Object.values(report.files)) {
    for (const m of f.mutants) {
      if (DETECTED.has(m.status)) c.detected++;
      else if (UNDETECTED.has(m.status)) c.undetected++;
    }
  }
  tot = { detected: tot.detected + c.detected, undetected: tot.undetected + c.undetected };
  rows.push([name, c]);
}
const pct = (c) => (c.detected + c.undetected ? ((100 * c.detected) / (c.detected + c.undetected)).toFixed(1) : '-');
console.log('\nmutation score (killed + timed out) / (killed + timed out + survived + no coverage)');
for (const [name, c] of rows)
  console.log(`  ${name.padEnd(14)} ${pct(c).padStart(5)} %  (${c.detected} detected, ${c.undetected} undetected)`);
if (rows.length)
  console.log(
    `  ${'overall'.padEnd(14)} ${pct(tot).padStart(5)} %  (${tot.detected} detected, ${tot.undetected} undetected)`,
  );
process.exit(failed ? 1 : 0);
