/**
 * Saved test pages in site configs (issue 11, item 8): `tests:` lists saved product pages with
 * their expected price; `mapwatch sites check` reads each with the site's config and names every
 * failure by config file, line and field, with what was expected, what the read gave and why.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkSavedPages } from '../src/check/check-saved-pages.js';
import { loadSiteFile } from '../src/config/load-sites.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const page = (body: string) =>
  `<!doctype html><html><head><title>Studio Amp</title></head><body><h1>Studio Amp</h1>${body}</body></html>`;
const AMP = page('<span class="price">$89.00</span><button>Add to cart</button>');
const CALL = page('<p>Call us for a price</p>');

const config = (tests: string, extra = '') =>
  'reseller: Acme\ndomain: shop.example.com\ncurrency: USD\n' +
  extra +
  'listings: [{ sku: A, url: "https://shop.example.com/a" }]\n' +
  `tests:\n${tests}`;

function load(files: Record<string, string>) {
  const dir = tmpDir(files);
  const r = loadSiteFile(path.join(dir, 'acme.yaml'));
  return { dir, ...r };
}

describe('tests: in a site config', () => {
  it('resolves each saved page against the config file, with the site currency as default', () => {
    const { site, problems } = load({
      'acme.yaml': config('  - file: pages/amp.html\n    expect: { price: "89.00" }\n'),
      'pages/amp.html': AMP,
    });
    expect(problems).toEqual([]);
    expect(site!.tests).toHaveLength(1);
    expect(site!.tests![0]).toMatchObject({ price: '89.00', currency: 'USD', url: 'https://shop.example.com/' });
    expect(site!.tests![0]!.path).toMatch(/pages[/\\]amp\.html$/);
    expect(site!.tests![0]!.origin).toMatchObject({ line: 6, field: 'tests[0].file' });
  });

  it('a missing page, a page that is not HTML, or a bad expected price is refused by line and field', () => {
    const missing = load({ 'acme.yaml': config('  - file: pages/gone.html\n    expect: { price: "1.00" }\n') });
    expect(missing.problems).toEqual([
      expect.objectContaining({
        line: 6,
        field: 'tests[0].file',
        message: expect.stringMatching(/no such saved page/),
      }),
    ]);
    const notHtml = load({
      'acme.yaml': config('  - file: ../secrets.env\n    expect: { price: "1.00" }\n'),
    });
    expect(notHtml.problems[0]).toMatchObject({ field: 'tests[0].file', message: expect.stringMatching(/\.html/) });
    const badPrice = load({
      'acme.yaml': config('  - file: pages/amp.html\n    expect: { price: "about 90" }\n'),
      'pages/amp.html': AMP,
    });
    expect(badPrice.problems[0]).toMatchObject({ line: 7, field: 'tests[0].expect.price' });
  });

  it('saved pages do not change the config hash: they change no read', () => {
    const a = load({ 'acme.yaml': config('  []\n') });
    const b = load({
      'acme.yaml': config('  - file: pages/amp.html\n    expect: { price: "89.00" }\n'),
      'pages/amp.html': AMP,
    });
    expect(a.problems).toEqual([]);
    expect(b.site!.hash).toBe(a.site!.hash);
  });
});

describe('checkSavedPages', () => {
  it('passes a page that reads as expected; says expected, got and why for each that does not', () => {
    const { site } = load({
      'acme.yaml': config(
        '  - file: pages/amp.html\n    url: https://shop.example.com/p/amp\n    expect: { price: 89 }\n' +
          '  - file: pages/amp.html\n    expect: { price: "79.00" }\n' +
          '  - file: pages/amp.html\n    expect: { price: "89.00", currency: CAD }\n' +
          '  - file: pages/call.html\n    expect: { price: "10.00" }\n' +
          '  - file: pages/call.html\n    expect: { price: null }\n' +
          '  - file: pages/amp.html\n    expect: { price: null }\n',
      ),
      'pages/amp.html': AMP,
      'pages/call.html': CALL,
    });
    const r = checkSavedPages(site!);
    expect(r.map((x) => x.pass)).toEqual([true, false, false, false, true, false]);
    expect(r[1]).toMatchObject({ expected: '79.00 USD', got: '89 USD (from text)', why: 'the amount differs' });
    expect(r[2]).toMatchObject({ expected: '89.00 CAD', why: expect.stringMatching(/^the currency differs/) });
    expect(r[3]).toMatchObject({ got: 'no price', why: expect.stringMatching(/found no price; the extractor says: /) });
    expect(r[5]!.why).toMatch(/must give no price but gave 89 USD/);
  });

  it("reads with the site's config: where two prices tie, the site's selector picks one", () => {
    const bare = page('<div class="box"><span class="price">$40.00</span> <span class="price">$55.00</span></div>');
    const files = { 'pages/p.html': bare };
    const without = load({ ...files, 'acme.yaml': config('  - file: pages/p.html\n    expect: { price: "55.00" }\n') });
    expect(checkSavedPages(without.site!)[0]!.pass).toBe(false);
    const withSelector = load({
      ...files,
      'acme.yaml': config(
        '  - file: pages/p.html\n    expect: { price: "55.00" }\n',
        'selectors: { price: ".box .price:last-child" }\n',
      ),
    });
    expect(checkSavedPages(withSelector.site!)[0]).toMatchObject({ pass: true });
  });

  it('reads a gzipped saved page', () => {
    const dir = tmpDir({ 'acme.yaml': config('  - file: pages/amp.html.gz\n    expect: { price: "89.00" }\n') });
    fs.mkdirSync(path.join(dir, 'pages'));
    fs.writeFileSync(path.join(dir, 'pages/amp.html.gz'), zlib.gzipSync(AMP));
    const { site, problems } = loadSiteFile(path.join(dir, 'acme.yaml'));
    expect(problems).toEqual([]);
    expect(checkSavedPages(site!)[0]).toMatchObject({ pass: true, got: '89 USD (from text)' });
  });
});

describe('mapwatch sites check', { timeout: 120_000 }, () => {
  it('prints a pass line per page, names each failure by file, line and field, and fails; --no-tests skips them', () => {
    const dir = tmpDir({
      'acme.yaml': config(
        '  - file: pages/amp.html\n    expect: { price: "89.00" }\n' +
          '  - file: pages/amp.html\n    expect: { price: "79.00" }\n',
      ),
      'pages/amp.html': AMP,
    });
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), 'sites', 'check', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: '', MAPWATCH_DEBUG: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const r = run('--dir', dir, '--no-db');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^pass {2}\S*\/pages\/amp\.html {2}\(acme: 89\.00 USD\)$/m);
    expect(r.stderr).toMatch(
      /acme\.yaml, line 8, field "tests\[1\]\.file": saved page \S*\/pages\/amp\.html: expected 79\.00 USD, got 89 USD \(from text\): the amount differs/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const skipped = run('--dir', dir, '--no-db', '--no-tests');
    expect(skipped.status).toBe(0);
    expect(skipped.stdout).not.toMatch(/pass/);
  });
});
