/** `mapwatch extract`, `mapwatch price`, `mapwatch demo`. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError, UserError } from '../../errors.js';
import { json, safeText } from '../output.js';
import { type PrintPriceOptions, printPrice } from '../print-price.js';
import type { EnvLoader } from '../with-db.js';

export function registerToolCommands(program: Command, env: EnvLoader): void {
  program
    .command('extract <file-or-url>')
    .description('extract the offers of one product page (a saved .html/.html.gz file or an http(s) URL)')
    .option('--site <config>', 'a site config (crawlers/NAME.yaml) for its selectors, currency and locale')
    .option('--json', 'print the full result as JSON')
    .action(async (target: string, opts: { site?: string; json?: boolean }) => {
      const e = env();
      // Loaded here, not at start-up: the extractor (cheerio, parse5) is most of `price`'s start-up time.
      const [{ loadSiteFile }, { extractOffers }] = await Promise.all([
        import('../../config/load-sites.js'),
        import('../../extract/extract-offers.js'),
      ]);
      let site;
      if (opts.site) {
        const r = loadSiteFile(path.resolve(opts.site));
        if (!r.site) throw new InputError(r.problems);
        site = r.site.config;
      }
      let html: string;
      let url: string;
      if (/^https?:\/\//i.test(target)) {
        const { fetchPage } = await import('../../fetch/fetch-page.js');
        const res = await fetchPage(target, {
          allowPrivate: e.MAPWATCH_ALLOW_PRIVATE,
          userAgent: e.MAPWATCH_USER_AGENT,
          headers: site?.headers,
        });
        if (res.status !== 'ok' || res.body === undefined)
          throw new UserError(`${target}: ${res.status}: ${res.reason ?? 'no body'}`);
        html = res.body;
        url = res.finalUrl;
      } else {
        html = readPage(target, await import('node:zlib'));
        url = site ? `https://${site.domain}/` : `file://${path.resolve(target)}`;
      }
      const result = extractOffers(html, { url, site });
      if (opts.json) {
        console.log(json(result));
        return;
      }
      const p = result.primary;
      console.log(
        p
          ? `${p.amount} ${p.currency}  (from ${p.source}${p.name ? `: ${safeText(p.name, 60)}` : ''})`
          : result.ambiguous
            ? 'ambiguous: no single price for this product'
            : 'no price found',
      );
      for (const w of result.warnings) console.log(`warning: ${safeText(w, 200)}`);
      if (result.offers.length > 1) console.log(`${result.offers.length} candidate offers; use --json to see them all`);
    });

  program
    .command('price <text>')
    .description('parse one price text, e.g. "1.299,00 €"')
    .option('--currency-hint <code>', 'currency for bare amounts and ambiguous symbols ($, kr)')
    .option('--locale <locale>', 'locale hint for separators, e.g. de-DE')
    .option('--json', 'print as JSON')
    .action((text: string, opts: PrintPriceOptions) => {
      // The same printer as the instant path (run-instant-command.ts), which usually runs `price` instead.
      const code = printPrice(text, opts);
      if (code !== 0) process.exitCode = code;
    });

  program
    .command('demo')
    .description(
      'the whole product on the embedded database (no Docker, Postgres or Redis) against nine demo reseller storefronts on 127.0.0.x',
    )
    .option(
      '--workspace <dir>',
      'where to put the demo database, configs, catalog, evidence and emails (default: a new temp folder)',
    )
    .option('--json', 'print the summary facts as JSON')
    .option('--serve', 'then start the review app on the demo workspace, with a demo login per role, until Ctrl-C')
    .option('--port <n>', 'port for --serve', (v) => portNumber(v), 8080)
    .option('--host <host>', 'address for --serve', '127.0.0.1')
    .action(async (opts: { workspace?: string; json?: boolean; serve?: boolean; port: number; host: string }) => {
      if (opts.workspace && fs.existsSync(opts.workspace) && fs.readdirSync(opts.workspace).length) {
        throw new UserError(`--workspace: ${opts.workspace} is not empty; the demo needs a fresh folder`);
      }
      // Loaded here: the demo pulls in the database, BullMQ and Playwright, which `price` must not pay for.
      const [{ runDemo }, { formatDemoReport }] = await Promise.all([
        import('../../demo/run-demo.js'),
        import('../format-demo-report.js'),
      ]);
      const print = (r: Parameters<typeof formatDemoReport>[0]) =>
        console.log(opts.json ? json(r) : formatDemoReport(r));
      let printed = false;
      const r = await runDemo({
        workspace: opts.workspace && path.resolve(opts.workspace),
        log: opts.json ? undefined : (l) => console.log(l),
        afterRun: opts.serve
          ? async (result, app) => {
              print(result);
              printed = true;
              const [{ serveDemo }, { untilSignal }] = await Promise.all([
                import('../../demo/serve-demo.js'),
                import('../until-signal.js'),
              ]);
              const srv = await serveDemo(app, { host: opts.host, port: opts.port });
              const w = Math.max(...srv.logins.map((l) => l.email.length));
              console.log(
                [
                  '',
                  `== The review app: ${srv.url}/  (Ctrl-C stops it; the workers keep crawling meanwhile)`,
                  ...srv.logins.map((l) => `  ${l.role.padEnd(10)} ${l.email.padEnd(w)}  password ${l.password}`),
                  '  (new passwords each run; the users live in the demo workspace)',
                ].join('\n'),
              );
              const sig = await untilSignal();
              process.stderr.write(`mapwatch: ${sig}: stopping the review app and the demo\n`);
              await srv.close();
            }
          : undefined,
      });
      if (!printed) print(r);
    });
}

function portNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UserError(`--port: must be a whole number from 1, got "${v}"`);
  return n;
}

/** A saved page, gunzipped when it is gzip (zlib is passed in: loading it is 10–30 ms `mapwatch price` need not pay). */
function readPage(file: string, zlib: typeof import('node:zlib')): string {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch {
      throw new UserError(`${file}: looks gzipped but cannot be decompressed`);
    }
  }
  return buf.toString('utf8');
}
