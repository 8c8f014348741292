/**
 * CLI start-up: a command loads only what it needs. `mapwatch price` is a text parser; it
 * must not load the database driver, BullMQ, Playwright or the HTML extractor, which are
 * most of the start-up time (median of 10 runs: 3.6 s before, 0.6 s after, bare node 0.25 s, on a
 * 2-core machine at load average 20). Its plain forms and `--version` do not even load commander
 * (src/cli/run-instant-command.ts); every other form still goes through it.
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

/**
 * The npm packages and our own modules (src/…) a CLI run loads, recorded by a module resolve hook.
 * The hook runs on its own thread and appends to a file synchronously: writes to stderr from there
 * can be lost when the process exits right after its command, as `--version` does.
 */
function packagesLoadedBy(args: string[]): {
  code: number | null;
  stdout: string;
  stderr: string;
  packages: Set<string>;
  modules: Set<string>;
} {
  const dir = tmpDir({
    'hooks.mjs': `import { appendFileSync } from 'node:fs';
const log = new URL('./loaded.txt', import.meta.url);
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
  const own = /\\/src\\/(.+)$/.exec(r.url);
  if (m) appendFileSync(log, 'LOADED ' + m[1] + '\\n');
  else if (own) appendFileSync(log, 'MODULE ' + own[1] + '\\n');
  return r;
}
`,
    'loaded.txt': '',
  });
  const hooks = pathToFileURL(path.join(dir, 'hooks.mjs')).href;
  const register = path.join(dir, 'register.mjs');
  fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(hooks)});\n`);
  const r = spawnSync(
    process.execPath,
    ['--import', register, '--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, DATABASE_URL: '' } },
  );
  const loaded = fs.readFileSync(path.join(dir, 'loaded.txt'), 'utf8');
  // tsx (and its esbuild) is the test's TypeScript loader, not something the CLI loads.
  const packages = new Set(
    [...loaded.matchAll(/^LOADED (.+)$/gm)].map((m) => m[1]!).filter((p) => p !== 'tsx' && p !== 'esbuild'),
  );
  const modules = new Set([...loaded.matchAll(/^MODULE (.+)$/gm)].map((m) => m[1]!));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, packages, modules };
}

describe('CLI start-up', { timeout: 120_000 }, () => {
  it('`mapwatch price` loads only the price parser: no commander, database, queue, browser or extractor code', () => {
    const r = packagesLoadedBy(['price', '1.299,00 €', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ amount: '1299.00', currency: 'EUR' });
    expect(r.modules.has('normalize/parse-price.ts')).toBe(true); // the hook does see modules
    expect(r.packages).toEqual(new Set());
    expect(r.modules.has('cli/main.ts')).toBe(false);

    const hinted = packagesLoadedBy(['price', '--locale=de-DE', '49,99', '--currency-hint', 'chf']);
    expect(hinted.code).toBe(0);
    expect(hinted.stdout).toBe('49.99 CHF\n');
    expect(hinted.packages).toEqual(new Set());
  });

  it('`mapwatch price` forms that are not plain go through commander, with its messages', () => {
    const help = packagesLoadedBy(['price', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mapwatch price \[options\] <text>/);
    expect(help.packages.has('commander')).toBe(true); // the hook does see packages
    expect(HEAVY.filter((p) => help.packages.has(p))).toEqual([]);

    const missing = packagesLoadedBy(['price', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'text'/);

    const twice = packagesLoadedBy(['price', '1', '2']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/too many arguments/);

    const badHint = packagesLoadedBy(['price', '12', '--currency-hint', 'DOLLARS']);
    expect(badHint.code).not.toBe(0);
    expect(badHint.stderr).toBe('mapwatch: --currency-hint: "DOLLARS" is not an ISO 4217 currency code\n');

    const negative = packagesLoadedBy(['price', '-5']);
    expect(negative.code).toBe(1);
    expect(negative.stdout).toBe('no price\n');
  });

  it('`mapwatch --version` loads no command, no configuration and no commander', () => {
    const r = packagesLoadedBy(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(r.modules.has('version.ts')).toBe(true);
    expect(r.packages).toEqual(new Set());

    const both = packagesLoadedBy(['--version', '-V']);
    expect(both.code).toBe(0);
    expect(both.stdout.trim()).toBe(VERSION);
    expect(both.packages.has('commander')).toBe(true);
    expect([...HEAVY, 'zod'].filter((p) => both.packages.has(p))).toEqual([]);
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
