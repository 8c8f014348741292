/**
 * KPI rows as a terminal table and as CSV, shared by `mapwatch kpis` and the demo summary.
 * Dimension values (reseller names) are catalog data, but still pass through the CLI's
 * safe-text filter where they are printed.
 */
import { KPIS, type KpiId } from './kpi-definitions.js';
import type { KpiRow } from './query-kpis.js';
import type { CoverageRow } from './query-coverage.js';

/** The columns shown, in order. */
export const KPI_COLUMNS: KpiId[] = [
  'compliance_rate',
  'listings_compliant',
  'violations',
  'cases_opened',
  'mean_depth',
  'worst_depth',
  'msrp_variance',
  'msrp_variance_p10',
  'msrp_variance_p90',
  'notices_sent',
  'blocked_share',
];

const SHORT: Record<KpiId, string> = {
  compliance_rate: 'compliant',
  listings_compliant: 'eod ok',
  violations: 'violations',
  cases_opened: 'cases',
  mean_depth: 'depth',
  worst_depth: 'worst',
  msrp_variance: 'vs MSRP',
  msrp_variance_p10: 'p10',
  msrp_variance_p90: 'p90',
  notices_sent: 'notices',
  blocked_share: 'blocked',
};

export function formatKpiValue(id: KpiId, v: number | null): string {
  if (v == null) return '–';
  return KPIS[id].unit === 'percent' ? `${v.toFixed(1)}%` : String(v);
}

export interface KpiTableRow extends KpiRow {
  coverage?: CoverageRow;
}

export function kpiTable(rows: KpiTableRow[], o: { dimension: string; clean?: (s: string) => string }): string[][] {
  const clean = o.clean ?? ((s: string) => s);
  const withCoverage = rows.some((r) => r.coverage);
  const header = [o.dimension, 'reads', ...KPI_COLUMNS.map((id) => SHORT[id]), ...(withCoverage ? ['cover 24h'] : [])];
  return [
    header,
    ...rows.map((r) => [
      clean(r.key),
      String(r.sums.reads),
      ...KPI_COLUMNS.map((id) => formatKpiValue(id, r.kpis[id])),
      ...(withCoverage ? [r.coverage?.coverage == null ? '–' : `${r.coverage.coverage.toFixed(0)}%`] : []),
    ]),
  ];
}

/** One line per KPI shown: what each column means. */
export function kpiLegend(o: { coverage?: boolean } = {}): string {
  return [
    ...KPI_COLUMNS.map((id) => `  ${SHORT[id].padEnd(10)} ${KPIS[id].description}`),
    ...(o.coverage === false
      ? []
      : ['  cover 24h  Share of active listings with a trustworthy read in the last 24 hours.']),
  ].join('\n');
}
