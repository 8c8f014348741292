/**
 * Every channel KPI, defined once: its label, its one-line description (shown by the CLI,
 * the app and the docs) and how it is computed from the rollup sums of a group of
 * day × site × product rows. Pure functions, so each definition has its unit test.
 */

/** Sums of daily_rollups columns over a group (what the SQL returns per dimension value). */
export interface RollupSums {
  reads: number;
  trustworthyReads: number;
  compliantReads: number;
  violatingReads: number;
  blockedReads: number;
  sumDepthPct: number;
  maxDepthPct: number | null;
  msrpReads: number;
  sumMsrpVariance: number;
  /** Percentiles of the per listing-day mean variance against MSRP. */
  msrpVarianceP10: number | null;
  msrpVarianceP90: number | null;
  eodListings: number;
  eodCompliantListings: number;
  casesOpened: number;
  casesResolved: number;
  noticesSent: number;
}

export interface KpiDefinition {
  label: string;
  unit: 'percent' | 'count';
  description: string;
  compute: (s: RollupSums) => number | null;
}

const share = (part: number, whole: number): number | null => (whole > 0 ? (100 * part) / whole : null);

export const KPIS = {
  compliance_rate: {
    label: 'Compliance',
    unit: 'percent',
    description: 'Share of trustworthy reads at or above MAP.',
    compute: (s) => share(s.compliantReads, s.trustworthyReads),
  },
  listings_compliant: {
    label: 'Listings compliant at day end',
    unit: 'percent',
    description: 'Share of listing-days whose last trustworthy read of the day was at or above MAP.',
    compute: (s) => share(s.eodCompliantListings, s.eodListings),
  },
  violations: {
    label: 'Violating reads',
    unit: 'count',
    description: 'Trustworthy reads below MAP.',
    compute: (s) => s.violatingReads,
  },
  cases_opened: {
    label: 'Cases opened',
    unit: 'count',
    description: 'Violation cases opened (after the confirming re-check).',
    compute: (s) => s.casesOpened,
  },
  mean_depth: {
    label: 'Mean depth below MAP',
    unit: 'percent',
    description: 'Mean % below MAP of the reads below MAP.',
    compute: (s) => (s.violatingReads > 0 ? s.sumDepthPct / s.violatingReads : null),
  },
  worst_depth: {
    label: 'Worst depth below MAP',
    unit: 'percent',
    description: 'The deepest % below MAP of any read below MAP.',
    compute: (s) => s.maxDepthPct,
  },
  msrp_variance: {
    label: 'Variance vs MSRP (mean)',
    unit: 'percent',
    description: 'Mean of (comparable price − MSRP) ÷ MSRP over trustworthy reads of products with an MSRP.',
    compute: (s) => (s.msrpReads > 0 ? (100 * s.sumMsrpVariance) / s.msrpReads : null),
  },
  msrp_variance_p10: {
    label: 'Variance vs MSRP (p10)',
    unit: 'percent',
    description: '10th percentile of the daily mean variance against MSRP per listing.',
    compute: (s) => (s.msrpVarianceP10 == null ? null : 100 * s.msrpVarianceP10),
  },
  msrp_variance_p90: {
    label: 'Variance vs MSRP (p90)',
    unit: 'percent',
    description: '90th percentile of the daily mean variance against MSRP per listing.',
    compute: (s) => (s.msrpVarianceP90 == null ? null : 100 * s.msrpVarianceP90),
  },
  notices_sent: {
    label: 'Notices sent',
    unit: 'count',
    description: 'Reseller notices sent, every ladder step.',
    compute: (s) => s.noticesSent,
  },
  blocked_share: {
    label: 'Blocked reads',
    unit: 'percent',
    description: 'Share of reads a bot wall or rate limit blocked.',
    compute: (s) => share(s.blockedReads, s.reads),
  },
} as const satisfies Record<string, KpiDefinition>;

export type KpiId = keyof typeof KPIS;
export const KPI_IDS = Object.keys(KPIS) as KpiId[];

export function computeKpis(s: RollupSums): Record<KpiId, number | null> {
  return Object.fromEntries(KPI_IDS.map((id) => [id, KPIS[id].compute(s)])) as Record<KpiId, number | null>;
}

/**
 * The sums of several rollup groups (a total over resellers, a week over days). Percentiles do
 * not add up, so the total has none; the worst depth is the worst of the parts.
 */
export function addRollupSums(list: readonly RollupSums[]): RollupSums {
  const total: RollupSums = {
    reads: 0,
    trustworthyReads: 0,
    compliantReads: 0,
    violatingReads: 0,
    blockedReads: 0,
    sumDepthPct: 0,
    maxDepthPct: null,
    msrpReads: 0,
    sumMsrpVariance: 0,
    msrpVarianceP10: null,
    msrpVarianceP90: null,
    eodListings: 0,
    eodCompliantListings: 0,
    casesOpened: 0,
    casesResolved: 0,
    noticesSent: 0,
  };
  for (const s of list) {
    for (const k of Object.keys(total) as (keyof RollupSums)[]) {
      if (k === 'maxDepthPct' || k === 'msrpVarianceP10' || k === 'msrpVarianceP90') continue;
      total[k] = (total[k] as number) + (s[k] as number);
    }
    if (s.maxDepthPct != null) total.maxDepthPct = Math.max(total.maxDepthPct ?? 0, s.maxDepthPct);
  }
  return total;
}
