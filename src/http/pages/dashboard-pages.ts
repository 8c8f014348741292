/**
 * /dashboard: the channel at a glance for the period chosen (default: the last 30 days in
 * the reporting time zone): headline KPIs, the daily compliance trend, weekly compliance
 * lines per value of a dimension, compliance by a dimension as bars (each a link to the cases behind it), and the KPI table with every
 * definition. Everything comes from the daily rollup, brought up to date on each view
 * (incremental: yesterday and today).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { InvalidInputError } from '../../errors.js';
import { kpiLegend, kpiTable } from '../../kpis/format-kpis.js';
import { addRollupSums, computeKpis, KPIS } from '../../kpis/kpi-definitions.js';
import { queryDailyTrend } from '../../kpis/query-daily-trend.js';
import { KPI_DIMENSIONS, queryKpis, type KpiDimension } from '../../kpis/query-kpis.js';
import { rollUpIfStale } from '../../kpis/roll-up-if-stale.js';
import { queryWeeklyTrend } from '../../kpis/query-weekly-trend.js';
import { html } from '../html.js';
import { layout } from './layout.js';
import { pageRoute } from './page-route.js';
import { barChart, lineChart, multiLineChart } from './svg-charts.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const querySchema = z.object({
  by: z.enum(KPI_DIMENSIONS).default('reseller'),
  from: day.optional(),
  to: day.optional(),
});

/** The case-list filter each dimension drills down to. */
const DRILL: Record<KpiDimension, string | null> = {
  reseller: 'reseller',
  tier: 'tier',
  region: 'region',
  brand: 'brand',
  product: 'sku',
  site: 'site',
  // The case list's seller filter (part of the name as the page spells it).
  seller: 'seller',
  authorized: null,
};

export function dashboardPages(ctx: AppContext): Router {
  const router = Router();
  const tz = ctx.config?.MAPWATCH_REPORT_TIME_ZONE ?? 'UTC';
  pageRoute(router, { path: '/dashboard', permission: 'read' }, async ({ user, req }) => {
    const parsed = querySchema.safeParse(req.query);
    if (!parsed.success)
      throw new InvalidInputError(parsed.error.issues.map((i) => `query.${i.path.join('.')}: ${i.message}`).join('; '));
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
    const to = parsed.data.to ?? today;
    const from =
      parsed.data.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    if (from > to) throw new InvalidInputError(`query.from: ${from} is after to ${to}`);
    const by = parsed.data.by;
    const { asOf } = await rollUpIfStale(ctx.db, { timeZone: tz });
    const [rows, trend, weekly] = await Promise.all([
      queryKpis(ctx.db, { by, from, to }),
      queryDailyTrend(ctx.db, { from, to }),
      queryWeeklyTrend(ctx.db, { by, from, to }),
    ]);
    const total = computeKpis(addRollupSums(rows.map((r) => r.sums)));
    const tile = (id: keyof typeof KPIS, v: number | null) =>
      html`<div class="card kpi" title="${KPIS[id].description}">
        <div class="muted">${KPIS[id].label}</div>
        <div class="kpi-value">${v == null ? '–' : KPIS[id].unit === 'percent' ? `${v.toFixed(1)}%` : String(v)}</div>
      </div>`;
    const drill = DRILL[by];
    const cells = kpiTable(rows, { dimension: by });
    const body = html` <div class="page-head">
        <h1>Dashboard</h1>
        <div class="actions"><a href="/api/v1/kpis.csv?by=${by}&amp;from=${from}&amp;to=${to}">Download CSV</a></div>
      </div>
      <form class="filters" method="get" action="/dashboard">
        <label>From <input type="date" name="from" value="${from}" /></label>
        <label>To <input type="date" name="to" value="${to}" /></label>
        <label
          >By
          <select name="by">
            ${KPI_DIMENSIONS.map((d) => html`<option value="${d}" ${d === by ? html`selected` : ''}>${d}</option>`)}
          </select></label
        >
        <button type="submit">Show</button>
        <span class="hint"
          >Days in ${tz}. Figures as of
          <time datetime="${asOf.toISOString()}">${asOf.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>, rolled
          up every 15 minutes.</span
        >
      </form>
      <div class="grid">
        ${tile('compliance_rate', total.compliance_rate)} ${tile('violations', total.violations)}
        ${tile('cases_opened', total.cases_opened)} ${tile('notices_sent', total.notices_sent)}
        ${tile('mean_depth', total.mean_depth)} ${tile('msrp_variance', total.msrp_variance)}
        ${tile('blocked_share', total.blocked_share)}
      </div>
      <section class="card">
        <h2>Compliance by day</h2>
        ${lineChart({ points: trend.map((p) => ({ label: p.day, value: p.complianceRate })), max: 100, unit: '%', title: 'Compliance rate by day' })}
      </section>
      <section class="card">
        <h2>Weekly compliance by ${by}</h2>
        ${
          weekly.series.length
            ? html`${multiLineChart({
                  labels: weekly.weeks.map((w) => w.slice(5)),
                  series: weekly.series.map((s) => ({
                    label: s.key,
                    values: s.rates,
                    href: drill ? `/cases?${drill}=${encodeURIComponent(s.key)}` : undefined,
                  })),
                  max: 100,
                  unit: '%',
                  title: `Weekly compliance rate by ${by}`,
                })}
                <p class="hint">
                  Weeks from Monday (labels are the Mondays, month-day). The ${weekly.series.length} ${by} value(s) with
                  the most violating reads in the
                  period${weekly.hidden ? `; ${weekly.hidden} more in the table below` : ''}.
                  ${drill ? 'Each name in the legend opens its cases.' : ''}
                </p>`
            : html`<p class="muted">No reads in this period.</p>`
        }
      </section>
      <section class="card">
        <h2>Compliance by ${by}</h2>
        ${
          rows.length
            ? barChart({
                bars: rows.map((r) => ({
                  label: r.key,
                  value: r.kpis.compliance_rate,
                  href: drill ? `/cases?${drill}=${encodeURIComponent(r.key)}` : undefined,
                })),
                max: 100,
                unit: '%',
                title: `Compliance rate by ${by}`,
              })
            : html`<p class="muted">No reads in this period.</p>`
        }
      </section>
      <section class="card">
        <h2>All KPIs by ${by}</h2>
        <div class="table-wrap">
          <table class="data" id="kpi-table">
            <thead>
              <tr>
                ${cells[0]!.map((c, i) => html`<th class="${i ? 'num' : ''}">${c}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${cells.slice(1).map(
                (r, ri) =>
                  html`<tr>
                    ${r.map((c, i) =>
                      i === 0 && drill
                        ? html`<td><a href="/cases?${drill}=${encodeURIComponent(rows[ri]!.key)}">${c}</a></td>`
                        : html`<td class="${i ? 'num' : ''}">${c}</td>`,
                    )}
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <pre class="hint">${kpiLegend({ coverage: false })}</pre>
      </section>`;
    return layout({ title: 'Dashboard', user, section: '/dashboard', body });
  });
  return router;
}
