/**
 * `mapwatch kpis`: channel KPIs by reseller, tier, region, brand, product, site, marketplace
 * seller or authorization over a period; `mapwatch rollup`: bring the daily rollup up to date, or
 * backfill a range. `kpis` rolls up what is due first, so its numbers include the latest reads.
 */
import { type Command, Option } from 'commander';
import { UserError } from '../../errors.js';
import { csvCell } from '../../http/api/send-csv.js';
import { kpiLegend, kpiTable } from '../../kpis/format-kpis.js';
import { queryCoverage } from '../../kpis/query-coverage.js';
import { KPI_DIMENSIONS, type KpiDimension, queryKpis } from '../../kpis/query-kpis.js';
import { rollUpDays } from '../../kpis/roll-up-days.js';
import { rollUpDue } from '../../kpis/roll-up-due.js';
import { json, safeText, table } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';

function date(flag: string) {
  return (v: string): string => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
      throw new UserError(`${flag}: must be a date as YYYY-MM-DD, got "${v}"`);
    return v;
  };
}

/** Today in the reporting zone, and the day `days` before it. */
function defaultRange(timeZone: string, days: number): { from: string; to: string } {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
  const from = new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  return { from, to: today };
}

/** --from/--to over the default of the last 30 days, checked in order. */
function periodOf(opts: { from?: string; to?: string }, timeZone: string): { from: string; to: string } {
  const range = {
    ...defaultRange(timeZone, 30),
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.to ? { to: opts.to } : {}),
  };
  if (range.from > range.to) throw new UserError(`--from ${range.from} is after --to ${range.to}`);
  return range;
}

export function registerKpiCommands(program: Command, env: EnvLoader): void {
  program
    .command('kpis')
    .description('channel KPIs (compliance, violations, depth, variance vs MSRP, coverage) by a dimension')
    .addOption(new Option('--by <dimension>', 'group by').choices(KPI_DIMENSIONS).default('reseller'))
    .option('--from <date>', 'first day (YYYY-MM-DD, reporting time zone; default 30 days ago)', date('--from'))
    .option('--to <date>', 'last day (default today)', date('--to'))
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV')
    .option('--no-refresh', 'report the rollup as it is, without rolling up the latest reads first')
    .action(
      async (opts: {
        by: KpiDimension;
        from?: string;
        to?: string;
        json?: boolean;
        csv?: boolean;
        refresh: boolean;
      }) => {
        if (opts.json && opts.csv) throw new UserError('--json and --csv: choose one');
        const e = env();
        const tz = e.MAPWATCH_REPORT_TIME_ZONE;
        const range = periodOf(opts, tz);
        const rows = await withDb(e, async ({ db }) => {
          if (opts.refresh) await rollUpDue(db, { timeZone: tz });
          const [kpis, coverage] = await Promise.all([
            queryKpis(db, { by: opts.by, ...range }),
            queryCoverage(db, { by: opts.by }),
          ]);
          const cov = new Map(coverage.map((c) => [c.key, c]));
          return kpis.map((k) => ({ ...k, coverage: cov.get(k.key) }));
        });
        if (opts.json) return console.log(json({ by: opts.by, ...range, timeZone: tz, rows }));
        const cells = kpiTable(rows, { dimension: opts.by, clean: (s) => safeText(s, 40) });
        if (opts.csv) return console.log(cells.map((r) => r.map((c) => csvCell(c)).join(',')).join('\n'));
        if (!rows.length) return console.log(`No reads from ${range.from} to ${range.to} (${tz}).`);
        console.log(`KPIs by ${opts.by}, ${range.from} to ${range.to} (${tz})\n`);
        console.log(table(cells[0]!, cells.slice(1)));
        console.log(`\n${kpiLegend({ coverage: rows.some((r) => r.coverage) })}`);
      },
    );

  program
    .command('rollup')
    .description('bring the daily KPI rollup up to date, or rebuild a range of days (--from/--to)')
    .option('--from <date>', 'first day to rebuild (YYYY-MM-DD)', date('--from'))
    .option('--to <date>', 'last day to rebuild (default today)', date('--to'))
    .action(async (opts: { from?: string; to?: string }) => {
      const e = env();
      const tz = e.MAPWATCH_REPORT_TIME_ZONE;
      if (opts.to && !opts.from) throw new UserError('--to: only with --from');
      await withDb(e, async ({ db }) => {
        if (opts.from) {
          const to = opts.to ?? defaultRange(tz, 0).to;
          if (opts.from > to) throw new UserError(`--from ${opts.from} is after --to ${to}`);
          const n = await rollUpDays(db, { from: opts.from, to, timeZone: tz });
          console.log(`Rolled up ${opts.from} to ${to} (${tz}): ${n} row(s).`);
        } else {
          const r = await rollUpDue(db, { timeZone: tz });
          console.log(`Rolled up ${r.from} to ${r.to} (${tz}): ${r.rows} row(s).`);
        }
      });
    });

  program
    .command('audit')
    .description(
      'channel audit of one reseller over a period, as a PDF (scorecard, listings, violations, notices, MSRP, sellers)',
    )
    .argument('<reseller>', 'reseller name (as in the catalog) or id')
    .option('--from <date>', 'first day (YYYY-MM-DD; default 30 days ago)', date('--from'))
    .option('--to <date>', 'last day (default today)', date('--to'))
    .requiredOption('--out <file>', 'where to write the PDF')
    .action(async (reseller: string, opts: { from?: string; to?: string; out: string }) => {
      const e = env();
      const tz = e.MAPWATCH_REPORT_TIME_ZONE;
      const range = periodOf(opts, tz);
      const [{ openApp }, { collectAudit }, { renderAuditHtml }, { renderPdf }, fs] = await Promise.all([
        import('../../app/open-app.js'),
        import('../../kpis/collect-audit.js'),
        import('../../http/pages/render-audit.js'),
        import('../../fetch/browser/render-pdf.js'),
        import('node:fs'),
      ]);
      const app = await openApp({ config: e, browser: 'auto', evidence: false, health: false });
      try {
        await rollUpDue(app.ctx.db, { timeZone: tz });
        const data = await collectAudit(app.ctx.db, { reseller, ...range, timeZone: tz });
        const pdf = await renderPdf(app.ctx.browser, renderAuditHtml(data).value);
        try {
          fs.writeFileSync(opts.out, pdf);
        } catch (err) {
          throw new UserError(
            `--out: cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          );
        }
        console.log(
          `Wrote the audit of ${data.reseller.name}, ${range.from} to ${range.to} (${tz}), to ${opts.out} (${pdf.length} bytes): ${data.listings.length} listing(s), ${data.violations.length} violation case(s), ${data.notices.length} notice(s).`,
        );
      } finally {
        await app.close();
      }
    });
}
