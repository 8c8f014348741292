/**
 * The service commands as a user runs them: the built CLI (bin/mapwatch.js) in its own
 * process, against a storefront on 127.0.0.1 and a test schema on the PostgreSQL server
 * (or, without one, the embedded database in a temporary data folder):
 * `crawl`, `evidence export` and `evidence verify`, `outbox`, `queues`, and `serve` with
 * its /healthz. Exit codes and output are checked, and no stack trace ever shows.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, ensureBuilt, mapwatch as run, spawnMapwatch, STACK_TRACE } from './support/cli.js';
import { BACKENDS, POSTGRES_URL } from './support/db.js';
import { siteYaml } from './support/queue.js';
import { productPage, startServer, type TestServer } from './support/server.js';
import { tmpDir } from './support/tmp.js';

const backend = BACKENDS[0]!;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe(`mapwatch service commands as processes (${backend})`, { timeout: 600_000 }, () => {
  let srv: TestServer;
  let env: Record<string, string>;
  let work: string;
  const schema = `t_${randomBytes(5).toString('hex')}`;

  const mapwatch = async (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
    const r = await run(args, { ...env, ...extra });
    expect(r.stderr).not.toMatch(STACK_TRACE);
    return r;
  };

  beforeAll(async () => {
    ensureBuilt();
    srv = await startServer({
      '/p/amp': { body: productPage({ name: 'Service Amp', price: '89.00' }) },
      '/p/dac': { body: productPage({ name: 'Service DAC', price: '120.00' }) },
    });
    work = tmpDir({
      'products.csv': 'sku,name\nAMP,Service Amp\nDAC,Service DAC\n',
      'resellers.csv': 'name\nTest Shop\n',
      'map.csv': 'sku,currency,map,effective_from\nAMP,USD,100.00,2020-01-01\nDAC,USD,100.00,2020-01-01\n',
      'mapwatch.config.yaml':
        'notify:\n  company: Northwind Audio\n  alerts: { min_severity: low }\n  recipients:\n    - { email: pm@northwind.example }\n',
    });
    fs.mkdirSync(path.join(work, 'crawlers'));
    fs.writeFileSync(
      path.join(work, 'crawlers', 'test-shop.yaml'),
      siteYaml({
        host: srv.host,
        origin: srv.origin,
        paths: [
          ['AMP', '/p/amp'],
          ['DAC', '/p/dac'],
        ],
        recheckMs: 0,
      }),
    );
    env = {
      DATABASE_URL: backend === 'postgres' ? POSTGRES_URL : '',
      MAPWATCH_DB_SCHEMA: backend === 'postgres' ? schema : 'public',
      REDIS_URL: '', // the queues live in the database (BullMQ's PostgreSQL backend)
      MAPWATCH_DATA_DIR: path.join(work, 'data'),
      MAPWATCH_CRAWLERS_DIR: path.join(work, 'crawlers'),
      MAPWATCH_CONFIG: path.join(work, 'mapwatch.config.yaml'),
      MAPWATCH_ALLOW_PRIVATE: '127.0.0.1',
      MAPWATCH_SMTP_URL: '',
      // No Chromium: a static site needs none, and the screenshots would only slow this down.
      MAPWATCH_CHROMIUM: '/dev/null',
    };
    for (const [kind, file] of [
      ['products', 'products.csv'],
      ['resellers', 'resellers.csv'],
      ['map-prices', 'map.csv'],
    ]) {
      const r = await mapwatch(['import', kind!, path.join(work, file!)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  afterAll(async () => {
    await srv?.close();
    if (backend === 'postgres') {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.query(`drop schema if exists ${schema}_bullmq cascade`);
      await c.end();
    }
  });

  it('crawl: reads the storefront, opens a case for the below-MAP price, and prints a summary', async () => {
    const r = await mapwatch(['crawl', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      checked: 2,
      byStatus: { ok: 2 },
      cases: { opened: 1, updated: 0, resolved: 0 },
      failures: [],
    });
    const text = await mapwatch(['crawl']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Checked 2 listing/i);
    const cases = JSON.parse((await mapwatch(['cases', '--json'])).stdout) as {
      id: number;
      sku: string;
      status: string;
    }[];
    expect(cases).toEqual([expect.objectContaining({ sku: 'AMP', status: 'open' })]);

    const unknown = await mapwatch(['crawl', '--site', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--site: no site named "nope" (known: test-shop)');
  });

  it('evidence export writes a bundle that evidence verify accepts, and verify names a tampered file', async () => {
    const [c] = JSON.parse((await mapwatch(['cases', '--json'])).stdout) as { id: number }[];
    const out = path.join(work, 'case.zip');
    const exp = await mapwatch(['evidence', 'export', '--case', String(c!.id), '--out', out]);
    expect(exp.code).toBe(0);
    expect(exp.stdout).toMatch(new RegExp(`^Wrote .*case\\.zip: case ${c!.id}, [1-9]\\d* evidence record\\(s\\)`));

    const ok = await mapwatch(['evidence', 'verify', out]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      // Notes (what is and is not signed) come with the verdict line; the verdict has a line of its own.
      new RegExp(`^ok  .*case\\.zip: case ${c!.id}, [1-9]\\d* manifest\\(s\\), .*every hash matches`, 'm'),
    );

    const entries = unzipSync(fs.readFileSync(out));
    const html = Object.keys(entries).find((p) => p.startsWith('files/') && p.endsWith('.html'))!;
    entries[html]![10] = entries[html]![10]! ^ 1;
    const bad = path.join(work, 'tampered.zip');
    fs.writeFileSync(bad, zipSync(entries));
    const caught = await mapwatch(['evidence', 'verify', bad]);
    expect(caught.code).toBe(1);
    expect(caught.stdout).toContain(`FAIL  ${bad}: ${html}: altered`);

    const db = await mapwatch(['evidence', 'verify', '--db']);
    expect(db.code).toBe(0);
    expect(db.stdout).toMatch(
      /^ok {2}database: [1-9]\d* evidence row\(s\) and [1-9]\d* case event\(s\) chained, [1-9]\d* file\(s\) match their hashes/,
    );

    const noCase = await mapwatch(['evidence', 'export', '--case', '999', '--out', path.join(work, 'x.zip')]);
    expect(noCase.code).toBe(1);
    expect(noCase.stderr).toMatch(/case 999/);
    const noFile = await mapwatch(['evidence', 'verify', path.join(work, 'missing.zip')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain('missing.zip: no such file');
    expect(JSON.parse(strFromU8(entries['index.json']!)).case_id).toBe(c!.id);
  });

  it('outbox lists the alert the crawl queued, and --send delivers it as an .eml file', async () => {
    const list = await mapwatch(['outbox', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { kind: string; status: string; to: string }[];
    expect(rows).toEqual([expect.objectContaining({ kind: 'alert', status: 'pending', to: 'pm@northwind.example' })]);
    const text = await mapwatch(['outbox']);
    expect(text.stdout).toMatch(/alert\s+pending\s+pm@northwind\.example/);

    const send = await mapwatch(['outbox', '--send']);
    // What --send reported (failed / unconfirmed rows and their errors) when it did not exit 0.
    expect(send.code, `${send.stdout}\n${send.stderr}`).toBe(0);
    // The alert, and the recipient's first digest (due at once: none was sent before).
    expect(send.stdout).toMatch(
      /^Sent [1-9]\d* message\(s\) as \.eml files in .*\. 0 will be retried, 0 failed, 0 unconfirmed\./,
    );
    const emls = fs.readdirSync(path.join(work, 'data'), { recursive: true }).filter((f) => String(f).endsWith('.eml'));
    expect(emls.length).toBeGreaterThanOrEqual(1);
    const after = await mapwatch(['outbox', '--json']);
    // The exit code and stderr first: an empty stdout alone says nothing about why.
    expect(after.code, after.stderr).toBe(0);
    const sent = JSON.parse(after.stdout) as { kind: string; status: string }[];
    expect(sent.find((r) => r.kind === 'alert')!.status).toBe('sent');
    expect(sent.every((r) => r.status === 'sent')).toBe(true);
    expect((await mapwatch(['outbox', '--failed'])).stdout).toContain('No failed messages.');
    const badRetry = await mapwatch(['outbox', '--retry', 'abc']);
    expect(badRetry.code).not.toBe(0);
  });

  it('kpis rolls up the crawl and reports by reseller as a table, JSON and CSV; rollup backfills a range', async () => {
    const j = await mapwatch(['kpis', '--by', 'reseller', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const out = JSON.parse(j.stdout) as {
      by: string;
      timeZone: string;
      rows: {
        key: string;
        sums: { violatingReads: number; compliantReads: number };
        kpis: { compliance_rate: number };
      }[];
    };
    expect(out).toMatchObject({ by: 'reseller', timeZone: 'UTC' });
    const shop = out.rows.find((r) => r.key === 'Test Shop')!;
    // AMP at 89.00 is below MAP 100 (read, then confirmed); DAC at 120.00 is compliant.
    expect(shop.sums.violatingReads).toBeGreaterThanOrEqual(1);
    expect(shop.sums.compliantReads).toBeGreaterThanOrEqual(1);
    expect(shop.kpis.compliance_rate).toBeGreaterThan(0);
    expect(shop.kpis.compliance_rate).toBeLessThan(100);
    const text = await mapwatch(['kpis', '--no-refresh']);
    expect(text.stdout).toMatch(/^KPIs by reseller, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(UTC\)/);
    expect(text.stdout).toMatch(/Test Shop/);
    expect(text.stdout).toContain('Share of trustworthy reads at or above MAP.');
    const csv = await mapwatch(['kpis', '--by', 'tier', '--csv']);
    expect(csv.stdout.split('\n')[0]).toBe(
      'tier,reads,compliant,eod ok,violations,cases,depth,worst,vs MSRP,p10,p90,notices,blocked,cover 24h',
    );
    const bad = await mapwatch(['kpis', '--from', '2026-13-01']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--from: must be a date as YYYY-MM-DD, got "2026-13-01"');
    const badBy = await mapwatch(['kpis', '--by', 'planet']);
    expect(badBy.code).toBe(2);
    const back = await mapwatch(['rollup', '--from', '2020-01-01']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^Rolled up 2020-01-01 to \d{4}-\d{2}-\d{2} \(UTC\): [1-9]\d* row\(s\)\./);
  });

  it('report weekly previews the week by reseller with its CSV, and --send queues it once and sends it', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const csvFile = path.join(work, 'weekly.csv');
    const preview = await mapwatch([
      'report',
      'weekly',
      '--week',
      today,
      '--to',
      'pm@northwind.example',
      '--csv',
      csvFile,
    ]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/^To: pm@northwind\.example\nSubject: \[mapwatch\] Week \d{4}-\d{2}-\d{2} to /);
    expect(preview.stdout).toContain('Test Shop: ');
    expect(preview.stdout).toContain('Nothing was queued.');
    const csv = fs.readFileSync(csvFile, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^reseller,tier,region,reads,trustworthy_reads,compliance_pct,compliance_pct_prev_week,/);
    expect(csv.some((l) => l.startsWith('Test Shop,'))).toBe(true);
    expect(csv.at(-1)).toMatch(/^All resellers,/);

    const send = await mapwatch(['report', 'weekly', '--week', today, '--to', 'pm@northwind.example', '--send']);
    expect(send.code, `${send.stdout}\n${send.stderr}`).toBe(0);
    expect(send.stdout).toMatch(/: queued 1 report\(s\)\. Sent [1-9]\d* message\(s\) as \.eml files in /);
    const again = await mapwatch(['report', 'weekly', '--week', today, '--to', 'pm@northwind.example', '--send']);
    expect(again.stdout).toMatch(/: queued 0 report\(s\), 1 already in the outbox\. Sent 0 message/);
    const rows = JSON.parse((await mapwatch(['outbox', '--json'])).stdout) as { kind: string; status: string }[];
    expect(rows.filter((r) => r.kind === 'weekly_report')).toEqual([expect.objectContaining({ status: 'sent' })]);
    const bad = await mapwatch(['report', 'weekly', '--html', path.join(work, 'x.html')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--html/--csv: only when previewing one recipient');
  });

  it('serve answers /healthz and /queues, runs the scheduler, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    // The queue UI is off unless enabled with an admin token (security-queue-ui.test.ts covers
    // the refusals); here it is enabled, as ops would, to see it served behind the token.
    const token = 'cli-service-admin-token-0123456789';
    const svc = spawnMapwatch(
      ['serve', '--port', String(port), '--concurrency', '1'],
      { ...env, MAPWATCH_QUEUE_UI: '1', MAPWATCH_ADMIN_TOKEN: token },
      /serving (http:\/\/\S+)\/healthz/,
    );
    try {
      const [, url] = await svc.ready;
      expect(url).toBe(`http://127.0.0.1:${port}`);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true, database: 'ok', queues: 'ok' });
      expect((await fetch(`${url}/queues`)).status).toBe(401);
      const board = await fetch(`${url}/queues`, { headers: { authorization: `Bearer ${token}` } });
      expect(board.status).toBe(200);
      expect(await board.text()).toMatch(/<html/i);
      expect(svc.stderr()).toMatch(/scheduler watching /);
      expect(svc.stderr()).toMatch(/worker running \(concurrency 1/);
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect(await svc.exited).toBe(0);
    expect(svc.stderr()).toMatch(/SIGTERM: finishing active jobs, then stopping/);
    expect(svc.stderr()).not.toMatch(STACK_TRACE);

    const busy = await startServer({});
    const taken = Number(busy.host.split(':')[1]);
    const clash = await mapwatch(['serve', '--port', String(taken)]);
    await busy.close();
    // A port in use is a clear error and an exit, not a process that keeps running without its server.
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`cannot listen on 127.0.0.1:${taken} (EADDRINUSE)`);
    expect(clash.stderr).not.toContain('internal error');
  });

  it('queues summarises each queue and the site schedule that serve registered', async () => {
    const r = await mapwatch(['queues', '--json']);
    expect(r.code).toBe(0);
    const q = JSON.parse(r.stdout) as Record<string, unknown> & { schedules: { id: string; pattern: string }[] };
    expect(String(q.backend)).toMatch(/postgres/i);
    expect(q.crawl).toEqual(
      expect.objectContaining({ waiting: expect.any(Number), active: 0, failed: 0, completed: expect.any(Number) }),
    );
    expect(q.schedules).toEqual(expect.arrayContaining([expect.objectContaining({ pattern: '0 0 1 1 *' })]));
    const text = await mapwatch(['queues']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^queues on /);
    expect(text.stdout).toMatch(/crawl\s+waiting \d+/);
    expect(text.stdout).toMatch(/site schedule\(s\):/);
  });
});
