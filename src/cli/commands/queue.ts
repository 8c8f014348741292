/**
 * `mapwatch worker`, `mapwatch scheduler`, `mapwatch serve`, `mapwatch queues` and
 * `mapwatch sites health`. With REDIS_URL the queues live in Redis, otherwise in the
 * app's database (BullMQ's PostgreSQL backend). On the embedded database only one
 * process may open it, so `mapwatch serve` runs worker, scheduler and HTTP together.
 */
import { boundHeapGrowth } from '../../check/bound-heap-growth.js';
import type { Command } from 'commander';
import { type App, openApp } from '../../app/open-app.js';
import type { Env } from '../../config/env.js';
import { formatProblem, UserError } from '../../errors.js';
import { formatSiteHealth } from '../../health/format-site-health.js';
import { listSiteHealth } from '../../queries/list-site-health.js';
import { startWorkers } from '../../queue/worker.js';
import { observationBatchFor } from '../../check/batch-observations.js';
import { lockSettingsFrom } from '../../queue/worker-settings.js';
import { oidcSettingsFrom } from '../../http/auth/oidc-settings.js';
import { queueUiSettings } from '../../http/queue-ui-settings.js';
import { startHttpServer } from '../../http/http-server.js';
import { SiteScheduler } from '../../schedule/scheduler.js';
import { json } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';
import { startHeartbeat } from '../heartbeat.js';
import { sql } from 'kysely';
import { redactUrl } from '../../redact-url.js';

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UserError(`${flag}: must be a whole number from 1, got "${v}"`);
  return n;
}

const log = (s: string) => process.stderr.write(`mapwatch: ${redactUrl(s)}\n`);

/** Opens the app with its queues for one command, and always closes it. */
async function withQueues<T>(
  e: Env,
  opts: Parameters<typeof openApp>[0],
  fn: (app: App & { conn: NonNullable<App['conn']> }) => Promise<T>,
): Promise<T> {
  const app = await openApp({ ...opts, config: e, queues: true });
  for (const w of app.warnings) log(`warning: ${w}`);
  try {
    return await fn(app as App & { conn: NonNullable<App['conn']> });
  } finally {
    await app.close();
  }
}

/** Resolves on the first SIGTERM or SIGINT. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGTERM', on('SIGTERM'));
    process.once('SIGINT', on('SIGINT'));
  });
}

interface RunOpts {
  worker: boolean;
  scheduler: boolean;
  http: boolean;
  concurrency: number;
  port: number;
  host: string;
  /** Refresh this file while database and queues answer (container healthchecks). */
  heartbeat?: string;
}

async function runService(e: Env, o: RunOpts): Promise<void> {
  // Checked before anything starts: a half-configured queue UI is a start-up error.
  const queueUi = o.http ? queueUiSettings(e) : undefined;
  if (o.http) oidcSettingsFrom(e); // so are incomplete single sign-on settings
  // A worker runs sweep after sweep: each check's page dies in the old generation, so with
  // V8's default growing factor its heap (and RSS) grows to 3–4× the live data, as
  // `mapwatch crawl`'s did (bound-heap-growth.ts). Only where jobs run; a user's own flag wins.
  if (o.worker) boundHeapGrowth();
  // One Chromium per process, launched on first use (reads in a worker, audit PDFs in the
  // review app); evidence next to the data; the notifier read at its first use, so a worker
  // without a notify config still crawls.
  await withQueues(
    e,
    {
      browser: o.worker || o.http ? 'auto' : false,
      notify: o.worker ? 'lazy' : false,
      observationBatch: observationBatchFor(o.concurrency),
    },
    async (app) => {
      const { conn, ctx } = app;
      const queues = ctx.queues!;
      const stops: (() => Promise<void>)[] = [];
      // A part that fails to start (the HTTP port in use) stops the parts already running,
      // so the process exits with its error instead of working on with a closed database.
      const stopAll = async () => {
        for (const stop of stops.splice(0)) await stop();
      };
      try {
        log(`queues on ${conn.describe}`);
        if (o.scheduler) {
          const sched = new SiteScheduler({
            db: ctx.db,
            crawlQueue: queues.crawl,
            notifyQueue: queues.notify,
            reportTimeZone: e.MAPWATCH_REPORT_TIME_ZONE,
            dir: e.crawlersDir,
            onProblem: (p) => log(`config: ${formatProblem(p)}`),
            onChange: (c) => log(`scheduler: ${c.action} ${c.site}${c.schedule ? ` (${c.schedule})` : ''}`),
          });
          await sched.reload(true);
          sched.start();
          stops.push(() => sched.stop());
          log(`scheduler watching ${e.crawlersDir}; notify job every minute, weekly report on Mondays`);
        }
        if (o.worker) {
          const lock = lockSettingsFrom(e);
          const w = startWorkers(conn, ctx, { concurrency: o.concurrency, ...lock });
          stops.unshift(() => w.close());
          if (!ctx.browser)
            log('no Chromium found: `render: browser` sites will be recorded as errors (set MAPWATCH_CHROMIUM)');
          log(
            `worker running (concurrency ${o.concurrency}, job lock ${lock.lockDurationMs} ms, stalled check every ${lock.stalledIntervalMs} ms)`,
          );
        }
        if (o.http) {
          const srv = await startHttpServer({
            ctx,
            queueUi,
            allowedHosts: e.MAPWATCH_ALLOWED_HOSTS,
            queues: Object.values(queues),
            host: o.host,
            port: o.port,
          });
          stops.push(() => srv.close());
          log(
            `serving ${srv.url}/healthz and the review app at ${srv.url}/ (bull-board at /queues for ops and admin users` +
              (queueUi ? ', or the admin token)' : ')'),
          );
          const users = await ctx.db
            .selectFrom('users')
            .select('id')
            .where('disabled_at', 'is', null)
            .limit(1)
            .execute();
          if (!users.length)
            log('no users yet: add one with `mapwatch users add EMAIL --role admin --password-stdin`, then sign in');
        }
        if (o.heartbeat) {
          const stopBeat = startHeartbeat(o.heartbeat, async () => {
            await sql`select 1`.execute(ctx.db);
            await queues.crawl.getJobCounts('waiting');
          });
          stops.push(async () => stopBeat());
          log(`heartbeat in ${o.heartbeat} every 15 s`);
        }
      } catch (err) {
        await stopAll();
        throw err;
      }
      const sig = await untilSignal();
      log(`${sig}: finishing active jobs, then stopping`);
      await stopAll();
    },
  );
}

export function registerQueueCommands(program: Command, env: EnvLoader): void {
  program
    .command('worker')
    .description('run queued jobs (crawl, notify) until SIGTERM; start more on more machines to scale out')
    .option('--concurrency <n>', 'crawl jobs in flight in this process', (v) => positiveInt('--concurrency', v), 8)
    .option('--with-scheduler', 'also run the scheduler in this process')
    .option('--heartbeat <file>', 'refresh FILE every 15 s while database and queues answer (for healthchecks)')
    .action((opts: { concurrency: number; withScheduler?: boolean; heartbeat?: string }) =>
      runService(env(), {
        worker: true,
        scheduler: opts.withScheduler === true,
        http: false,
        concurrency: opts.concurrency,
        port: 0,
        host: '127.0.0.1',
        heartbeat: opts.heartbeat,
      }),
    );
  program
    .command('scheduler')
    .description("enqueue every site's crawl on its cron `schedule`; picks up edits to crawlers/ without a restart")
    .option('--heartbeat <file>', 'refresh FILE every 15 s while database and queues answer (for healthchecks)')
    .action((opts: { heartbeat?: string }) =>
      runService(env(), {
        worker: false,
        scheduler: true,
        http: false,
        concurrency: 1,
        port: 0,
        host: '127.0.0.1',
        heartbeat: opts.heartbeat,
      }),
    );
  program
    .command('serve')
    .description('worker + scheduler + HTTP (/healthz, bull-board at /queues) in one process')
    .option('--port <n>', 'HTTP port', (v) => positiveInt('--port', v), 8080)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--concurrency <n>', 'crawl jobs in flight', (v) => positiveInt('--concurrency', v), 8)
    .option('--no-worker', 'do not run jobs here')
    .option('--no-scheduler', 'do not schedule here')
    .option('--heartbeat <file>', 'refresh FILE every 15 s while database and queues answer (for healthchecks)')
    .action(
      (opts: {
        port: number;
        host: string;
        concurrency: number;
        worker: boolean;
        scheduler: boolean;
        heartbeat?: string;
      }) =>
        runService(env(), {
          worker: opts.worker,
          scheduler: opts.scheduler,
          http: true,
          concurrency: opts.concurrency,
          port: opts.port,
          host: opts.host,
          heartbeat: opts.heartbeat,
        }),
    );
  program
    .command('queues')
    .description('summarise the queues: jobs by state, and the site schedules')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const e = env();
      await withQueues(e, { evidence: false, health: false }, async ({ conn, ctx }) => {
        const queues = ctx.queues!;
        const out: Record<string, unknown> = { backend: conn.describe };
        for (const [role, q] of Object.entries(queues)) {
          out[role] = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
        }
        const schedules = (await queues.crawl.getJobSchedulers(0, -1)).map((s) => ({
          id: s.key,
          pattern: s.pattern,
          next: s.next ? new Date(s.next).toISOString() : null,
        }));
        if (opts.json) return console.log(json({ ...out, schedules }));
        console.log(`queues on ${conn.describe}`);
        for (const [role, counts] of Object.entries(out)) {
          if (role === 'backend') continue;
          console.log(
            `${role.padEnd(9)} ${Object.entries(counts as Record<string, number>)
              .map(([k, v]) => `${k} ${v}`)
              .join('  ')}`,
          );
        }
        console.log(
          schedules.length ? `${schedules.length} site schedule(s):` : 'no site schedules (run `mapwatch scheduler`)',
        );
        for (const s of schedules) console.log(`  ${s.id}  ${s.pattern}  next ${s.next ?? '-'}`);
      });
    });

  const sites = program.commands.find((c) => c.name() === 'sites') ?? program.command('sites');
  sites
    .command('health')
    .description('extraction success, blocked rate, re-check disagreement, last good read and suppression, per site')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = await withDb(env(), ({ db }) => listSiteHealth(db));
      if (opts.json) return console.log(json(rows));
      if (!rows.length) return console.log('No sites yet (run `mapwatch crawl` or `mapwatch scheduler`).');
      console.log(formatSiteHealth(rows));
    });
}
