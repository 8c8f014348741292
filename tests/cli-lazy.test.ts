/**
 * CLI start-up: a command loads only what it needs. `mapwatch price` is a text parser; it
 * must not load the database driver, BullMQ, Playwright or the HTML extractor, which are
 * most of the start-up time (median of 10 runs: 3.6 s before, 0.6 s after, bare node 0.25 s, on a
 * 2-core machine at load average 20).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const HEAVY = ['pg', 'kysely', 'bullmq', 'ioredis', 'playwright-core', '@electric-sql/pglite', 'cheerio', 'undici'];

/** The npm packages a CLI run loads, recorded by a module resolve hook. */
function packagesLoadedBy(args: string[]): { code: number | null; stdout: string; packages: Set<string> } {
  const dir = tmpDir({
    'hooks.mjs': `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  if (m) process.stderr.write('LOADED ' + m[1] + '\\n');
  return r;
}
`,
  });
  const hooks = pathToFileURL(path.join(dir, 'hooks.mjs')).href;
  const register = path.join(dir, 'register.mjs');
  fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(hooks)});\n`);
  const r = spawnSync(
    process.execPath,
    ['--import', register, '--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } },
  );
  const packages = new Set([...r.stderr.matchAll(/^LOADED (.+)$/gm)].map((m) => m[1]!));
  return { code: r.status, stdout: r.stdout, packages };
}

describe('CLI start-up', { timeout: 120_000 }, () => {
  it('`mapwatch price` loads no database, queue, browser or extractor code', () => {
    const r = packagesLoadedBy(['price', '1.299,00 €', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ amount: '1299.00', currency: 'EUR' });
    expect(r.packages.has('commander')).toBe(true); // the hook does see packages
    expect(HEAVY.filter((p) => r.packages.has(p))).toEqual([]);
  });

  it('`mapwatch --version` loads no command and no configuration', () => {
    const r = packagesLoadedBy(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(r.packages.has('commander')).toBe(true);
    expect([...HEAVY, 'zod'].filter((p) => r.packages.has(p))).toEqual([]);
  });

  it('`mapwatch --help` still lists every command', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    for (const cmd of ['import', 'sites', 'crawl', 'cases', 'outbox', 'price', 'demo', 'evidence', 'worker', 'serve'])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });
});
