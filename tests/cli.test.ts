/**
 * The CLI as a user runs it: a real process, checking exit codes, messages that name
 * the file/line/field, and that no stack trace ever reaches a user.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function mapwatch(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args], {
    cwd,
    env: { ...process.env, DATABASE_URL: '', MAPWATCH_DEBUG: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const out = { code: r.status, stdout: r.stdout, stderr: r.stderr };
  // No stack trace for anything a user can cause.
  expect(out.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  return out;
}

// Each test spawns several processes (tsx start-up is seconds on a busy 2-core machine).
describe('mapwatch CLI', { timeout: 180_000 }, () => {
  it('parses prices as JSON', () => {
    const r = mapwatch(['price', '1.299,00 €', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ amount: '1299.00', currency: 'EUR' });
    const hinted = mapwatch(['price', '$ 49.99', '--currency-hint', 'CAD', '--json']);
    expect(JSON.parse(hinted.stdout)).toEqual({ amount: '49.99', currency: 'CAD' });
    const none = mapwatch(['price', 'call for price', '--json']);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toEqual({ amount: null, currency: null });
  });

  it('rejects bad arguments with a usage error, not a crash', () => {
    const bad = mapwatch(['price', '12', '--currency-hint', 'DOLLARS']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--currency-hint: "DOLLARS" is not an ISO 4217 currency code');
    const unknown = mapwatch(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
    const badStatus = mapwatch(['cases', '--status', 'closed']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/Allowed choices are open, notified, resolved, dismissed/);
  });

  it('extracts offers from a saved page, with a site config for selectors', () => {
    const dir = tmpDir({
      'page.html': '<html><body><h1>Kopfhörer</h1><span class="now">219,00&nbsp;€</span></body></html>',
      'site.yaml':
        'reseller: X\ndomain: shop.example\ncurrency: EUR\nlocale: de-DE\nselectors: { price: ".now" }\nlistings: [{ sku: A, url: "https://shop.example/a" }]\n',
    });
    const r = mapwatch(['extract', path.join(dir, 'page.html'), '--site', path.join(dir, 'site.yaml'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).primary).toMatchObject({ amount: '219', currency: 'EUR', source: 'selector' });
    const missing = mapwatch(['extract', path.join(dir, 'nope.html')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.html: cannot read (ENOENT)');
  });

  it('imports CSVs into the embedded database and reports bad rows by file, line and column', () => {
    const data = tmpDir({
      'products.csv': 'sku,name,pack_size\nA-1,Alpha,1\n',
      'bad.csv': 'sku,name,pack_size\nB-2,Beta,1\nC-3,Gamma,two\n',
    });
    const env = { MAPWATCH_DATA_DIR: path.join(data, 'state') };
    const ok = mapwatch(['import', 'products', path.join(data, 'products.csv')], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Imported 1 products row(s)');
    const bad = mapwatch(['import', 'products', path.join(data, 'bad.csv')], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.csv, line 3, column "pack_size": /);
    const cases = mapwatch(['cases', '--json'], env);
    expect(cases.code).toBe(0);
    expect(JSON.parse(cases.stdout)).toEqual([]);
    // The notice, dismiss and reopen code loads only when its subcommand runs; it still runs.
    const dismiss = mapwatch(['cases', 'dismiss', '999', '--note', 'a duplicate'], env);
    expect(dismiss.stderr).toContain('case #999 does not exist');
    const reopen = mapwatch(['cases', 'reopen', '999', '--note', 'price back up'], env);
    expect(reopen.stderr).toContain('case #999 does not exist');
    const approve = mapwatch(['cases', 'approve-notice', '999'], env);
    expect(approve.stderr).toContain('case #999 has no notice waiting for approval');
    for (const r of [dismiss, reopen, approve]) expect(r.code).not.toBe(0);
  });

  it('checks site configs and names every problem by file and field', () => {
    const dir = tmpDir({
      'good.yaml':
        'reseller: X\ndomain: shop.example\ncurrency: USD\nlistings: [{ sku: A, url: "https://shop.example/a" }]\n',
      'bad.yaml':
        'reseller: X\ndomain: shop.example\ncurrency: USD\nrate_limit: { concurrency: 0 }\nlistings: [{ sku: A, url: "https://shop.example/a" }]\n',
      'broken.yaml': 'reseller: [\n',
    });
    const r = mapwatch(['sites', 'check', '--dir', dir, '--no-db']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ok .*good\.yaml/);
    expect(r.stderr).toMatch(/bad\.yaml, line 4, field "rate_limit\.concurrency": /);
    expect(r.stderr).toMatch(/broken\.yaml, line \d+: invalid YAML/);
  });

  it('writes the JSON Schema for editors, and the committed copy is current', () => {
    const r = mapwatch(['sites', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.properties.render.enum).toEqual(['static', 'browser']);
    expect(fs.readFileSync(path.join(ROOT, 'schema/site-config.schema.json'), 'utf8')).toBe(r.stdout);
  });
});
