/**
 * The review app at scale (issue 12: "a page renders in under 200 ms at p95 with 100,000
 * cases and 1,000,000 observations"). Seeds a fresh database (tests/support/seed-app.ts,
 * set-based SQL), opens the app through the composition root, starts the real HTTP server
 * (the one `mapwatch serve` runs) on a free port, signs in through the login form like a
 * browser, and times the main pages and API lists one request at a time: p50, p95 and max
 * over BENCH_APP_SAMPLES requests each, after a short warm-up. Prints figures; asserts nothing.
 *
 *   node --import tsx bench/app-pages.ts
 *   BENCH_APP_CASES=100000 BENCH_APP_OBSERVATIONS=1000000 BENCH_APP_SAMPLES=40
 *   BENCH_APP_BACKEND=pglite   (the embedded database instead of Postgres)
 *   BENCH_APP_SCHEMA=name      (Postgres: keep the seeded schema, and reuse it when it holds cases;
 *                               seeding 1,000,000 reads takes 6 to 10 minutes on a busy machine)
 *
 * 2026-12-02, 100,000 cases / 1,000,000 reads, 40 samples, on a 2-core machine at load average
 * 21 to 24 (so every figure is inflated): p50/p95 ms before → after observations.site_id and the
 * one-statement Resellers figures: /sites 776/901 → 78/228, /api/v1/sites 514/598 → 60/148,
 * /resellers 600/941 → 249/332, /api/v1/resellers 479/636 → 252/454; still over at that load:
 * /findings 569/778, /cases?q=… 475/690 (counts every matching case).
 *
 * 2026-12-02 (later), same schema and sizes, before at load 4 to 8 → after at load 10 to 12
 * (finding_group_sites, the bounded case count, serial plans for the case list, cases.site_id):
 * /findings 181/233 → 20/43, /api/v1/findings 171/244 → 13/35, /cases?q=Studio&sort=percent_below
 * 313/385 → 83/153, /api/v1/resellers 143/206 → 146/193 (load 10 vs 7), /resellers 121/186 →
 * 56/143. Deep pages (/cases?page=N) read 50 random cases' details from a colder cache after
 * the cases.site_id backfill rewrote the table: 30/43 → 150/330 in that run, 51/104 when timed
 * alone a minute later at the same load (the id query itself: 8/17).
 * BENCH_APP_BACKEND=pglite at 10,000 cases / 100,000 reads, 20 samples, load 5: every page's
 * p50 under 40 ms and p95 under 60 ms, except /api/v1/resellers 35/252 and /api/v1/sites 40/322
 * (one slow request in 20 each, p50 unchanged); seeded in 17 s.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openApp } from '../src/app/open-app.js';
import { loadProcessConfig } from '../src/config/process-config.js';
import { type DbHandle, openDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { createApiToken } from '../src/http/auth/create-api-token.js';
import { createUser } from '../src/http/auth/create-user.js';
import { startHttpServer } from '../src/http/http-server.js';
import { seedApp, summarize } from '../tests/support/seed-app.js';
import { envNumber, formatTable } from './support/measure.js';

const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const PASSWORD = 'bench-password-123';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  body: string;
}

/** One request, the whole body read (what a browser waits for before it can render). */
function request(
  origin: string,
  p: string,
  o: { method?: string; headers?: Record<string, string>; body?: string; keepBody?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(p, origin), { method: o.method ?? 'GET', headers: o.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (o.keepBody !== false) chunks.push(d);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.body) req.write(o.body);
    req.end();
  });
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function signIn(origin: string, email: string): Promise<string> {
  const r = await request(origin, '/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ email, password: PASSWORD, next: '/cases' }).toString(),
  });
  const cookie = [r.headers['set-cookie'] ?? []].flat().find((c) => c.includes('mapwatch_session'));
  if (r.status !== 303 || !cookie) throw new Error(`sign-in failed: ${r.status} ${r.body.slice(0, 300)}`);
  return cookie.split(';')[0]!;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Timing {
  name: string;
  samples: number[];
  bytes: number;
  status: number;
}

async function time(name: string, n: number, next: (i: number) => Promise<Reply>): Promise<Timing> {
  for (let i = 0; i < 3; i++) await next(i);
  const samples: number[] = [];
  let bytes = 0;
  let status = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await next(i);
    samples.push(performance.now() - t0);
    bytes = r.bytes;
    status = r.status;
    if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  }
  return { name, samples: samples.sort((a, b) => a - b), bytes, status };
}

/** A fresh database: a Postgres schema of its own, or a PGlite folder; `close` removes it. */
async function openBenchDb(backend: string): Promise<{ h: DbHandle; close(): Promise<void> }> {
  if (backend === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-app-'));
    const h = await openDatabase({ dataDir: path.join(dir, 'pgdata') });
    await migrateToLatest(h.db, h.schema);
    return {
      h,
      async close() {
        await h.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  // BENCH_APP_SCHEMA=name keeps the seeded schema for the next run (seeding 1,000,000 reads takes minutes).
  const keep = process.env.BENCH_APP_SCHEMA;
  const schema = keep || `bench_app_${randomBytes(4).toString('hex')}`;
  const h = await openDatabase({ databaseUrl: POSTGRES_URL, schema, poolSize: 10 });
  await migrateToLatest(h.db, schema);
  return {
    h,
    async close() {
      if (!keep) await sql`drop schema ${sql.id(schema)} cascade`.execute(h.db).catch(() => {});
      await h.close();
    },
  };
}

export async function runAppPagesBench(): Promise<string> {
  const cases = envNumber('BENCH_APP_CASES', 100_000);
  const observations = envNumber('BENCH_APP_OBSERVATIONS', 1_000_000);
  const n = envNumber('BENCH_APP_SAMPLES', 40);
  const backend = process.env.BENCH_APP_BACKEND === 'pglite' ? 'pglite' : 'postgres';
  const { h, close } = await openBenchDb(backend);
  const keep = process.env.BENCH_APP_SCHEMA;
  const evidenceDir = keep
    ? path.join(os.tmpdir(), `mw-bench-evidence-${keep}`)
    : fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-evidence-'));
  try {
    const t0 = performance.now();
    const reuse =
      process.env.BENCH_APP_SCHEMA && (await h.db.selectFrom('cases').select('id').limit(1).execute()).length;
    const seeded = reuse
      ? await summarize(h.db)
      : await seedApp(h.db, {
          cases,
          observations,
          evidence: new LocalEvidenceStore(evidenceDir),
          log: (l) => console.error(l),
        });
    const seedSeconds = (performance.now() - t0) / 1000;
    await h.db.deleteFrom('users').where('email', '=', 'bench@mapwatch.example').execute();
    await createUser(h.db, { email: 'bench@mapwatch.example', role: 'admin', password: PASSWORD });
    const { token } = await createApiToken(h.db, { email: 'bench@mapwatch.example', name: 'bench' });

    const config = loadProcessConfig({ MAPWATCH_DATA_DIR: evidenceDir });
    const app = await openApp({ config, db: h, evidence: new LocalEvidenceStore(evidenceDir) });
    const srv = await startHttpServer({ ctx: app.ctx, queues: [], port: 0 });
    try {
      const origin = srv.url;
      const cookie = await signIn(origin, 'bench@mapwatch.example');
      const page = (p: string) => request(origin, p, { headers: { cookie } });
      const api = (p: string) => request(origin, p, { headers: { authorization: `Bearer ${token}` } });

      const ids = (await h.db.selectFrom('cases').select('id').orderBy('id').execute()).map((r) => r.id);
      const pick = (i: number) => ids[Math.floor((((i * 7919) % 1000) / 1000) * ids.length)]!;
      const reseller = await h.db
        .selectFrom('resellers')
        .select(['name', 'tier', 'region'])
        .orderBy('id')
        .offset(3)
        .executeTakeFirstOrThrow();
      const pages = Math.floor(seeded.cases / 50);
      const timings: Timing[] = [];
      const run = async (name: string, next: (i: number) => Promise<Reply>) => {
        const t = await time(name, n, next);
        timings.push(t);
        // Each figure as it comes: the whole run takes minutes, and the table prints at the end.
        console.error(
          `timed ${name}: p50 ${percentile(t.samples, 50).toFixed(1)} ms, p95 ${percentile(t.samples, 95).toFixed(1)} ms`,
        );
      };

      await run('GET /cases (first page)', () => page('/cases'));
      await run('GET /cases?status=open&severity=high', () => page('/cases?status=open&severity=high'));
      await run(`GET /cases?reseller=…&tier=…&region=…`, () =>
        page(
          `/cases?${new URLSearchParams({ reseller: reseller.name, tier: reseller.tier!, region: reseller.region! })}`,
        ),
      );
      await run('GET /cases?q=Studio&sort=percent_below', () => page('/cases?q=Studio&sort=percent_below'));
      await run('GET /cases?older_than_days=30&sort=first_seen', () =>
        page('/cases?older_than_days=30&sort=first_seen&dir=asc'),
      );
      await run(`GET /cases?page=N (deep, random up to ${pages})`, (i) =>
        page(`/cases?page=${1 + ((i * 7919) % Math.max(1, pages))}`),
      );
      await run('GET /cases/:id (random case)', (i) => page(`/cases/${pick(i)}`));
      await run('GET /findings', () => page('/findings'));
      await run('GET /resellers', () => page('/resellers'));
      await run('GET /sites', () => page('/sites'));
      await run('GET /outbox', () => page('/outbox'));
      await run('GET /api/v1/cases?limit=100', () => api('/api/v1/cases?limit=100'));
      await run('GET /api/v1/cases?status=open&severity=high', () => api('/api/v1/cases?status=open&severity=high'));
      // Cursor paging: each sample is the next page of one long walk.
      let cursor: string | null = null;
      await run('GET /api/v1/cases?cursor=… (walk, 100/page)', async () => {
        const r = await api(`/api/v1/cases?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        cursor = (JSON.parse(r.body) as { nextCursor: string | null }).nextCursor;
        return r;
      });
      await run('GET /api/v1/cases/:id', (i) => api(`/api/v1/cases/${pick(i)}`));
      await run('GET /api/v1/findings', () => api('/api/v1/findings'));
      await run('GET /api/v1/resellers', () => api('/api/v1/resellers'));
      await run('GET /api/v1/sites', () => api('/api/v1/sites'));

      // The whole case list as CSV, streamed: throughput, three runs.
      const csv: { seconds: number; bytes: number; rows: number }[] = [];
      for (let k = 0; k < 3; k++) {
        const c0 = performance.now();
        const r = await api('/api/v1/cases.csv');
        if (r.status !== 200) throw new Error(`cases.csv: HTTP ${r.status} ${r.body.slice(0, 300)}`);
        csv.push({ seconds: (performance.now() - c0) / 1000, bytes: r.bytes, rows: r.body.split('\r\n').length - 2 });
      }
      const best = csv.reduce((a, b) => (a.seconds <= b.seconds ? a : b));

      const ms = (x: number) => x.toFixed(1);
      const table = formatTable(
        `Review app on ${backend === 'postgres' ? 'Postgres' : 'PGlite (embedded)'}: ${seeded.cases.toLocaleString('en-US')} cases, ${seeded.observations.toLocaleString('en-US')} observations, ${seeded.caseEvents.toLocaleString('en-US')} case events, ${seeded.evidence.toLocaleString('en-US')} evidence rows (one request at a time, ${n} samples each, ms)`,
        ['request', 'p50', 'p95', 'max', 'KiB', 'p95 < 200 ms'],
        timings.map((t) => [
          t.name,
          ms(percentile(t.samples, 50)),
          ms(percentile(t.samples, 95)),
          ms(t.samples[t.samples.length - 1]!),
          (t.bytes / 1024).toFixed(0),
          percentile(t.samples, 95) < 200 ? 'yes' : 'NO',
        ]),
        [
          `GET /api/v1/cases.csv: ${best.rows.toLocaleString('en-US')} rows, ${(best.bytes / 1048576).toFixed(1)} MiB in ${best.seconds.toFixed(2)} s = ${Math.round(best.rows / best.seconds).toLocaleString('en-US')} rows/s (best of ${csv.map((c) => c.seconds.toFixed(2)).join(' / ')} s)`,
          `seeded in ${seedSeconds.toFixed(0)} s (${Object.entries(seeded.seconds)
            .map(([k, v]) => `${k} ${v.toFixed(0)}`)
            .join(', ')}); statuses ${JSON.stringify(seeded.byStatus)}`,
        ],
      );
      return table;
    } finally {
      await srv.close();
      await app.close();
      agent.destroy();
    }
  } finally {
    await close();
    if (!keep) fs.rmSync(evidenceDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  console.log(await runAppPagesBench());
