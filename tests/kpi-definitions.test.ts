/** Each KPI's definition, on sums small enough to check by hand. */
import { describe, expect, it } from 'vitest';
import { computeKpis, KPI_IDS, KPIS, type RollupSums } from '../src/kpis/kpi-definitions.js';

const sums = (over: Partial<RollupSums> = {}): RollupSums => ({
  reads: 10,
  trustworthyReads: 8,
  compliantReads: 6,
  violatingReads: 2,
  blockedReads: 1,
  sumDepthPct: 30,
  maxDepthPct: 20,
  msrpReads: 4,
  sumMsrpVariance: -0.6,
  msrpVarianceP10: -0.3,
  msrpVarianceP90: -0.05,
  eodListings: 5,
  eodCompliantListings: 4,
  casesOpened: 3,
  casesResolved: 1,
  noticesSent: 2,
  ...over,
});

describe('KPI definitions', () => {
  it('every KPI has a label and a one-line description', () => {
    for (const id of KPI_IDS) {
      expect(KPIS[id].label.length, id).toBeGreaterThan(3);
      expect(KPIS[id].description, id).toMatch(/^[A-Z0-9].*\.$/);
      expect(KPIS[id].description, id).not.toContain('\n');
    }
  });
  it('compliance rate: compliant ÷ trustworthy reads, none without trustworthy reads', () => {
    expect(KPIS.compliance_rate.compute(sums())).toBe(75);
    expect(KPIS.compliance_rate.compute(sums({ trustworthyReads: 0, compliantReads: 0 }))).toBeNull();
  });
  it('listings compliant at day end: compliant ÷ listing-days', () => {
    expect(KPIS.listings_compliant.compute(sums())).toBe(80);
    expect(KPIS.listings_compliant.compute(sums({ eodListings: 0, eodCompliantListings: 0 }))).toBeNull();
  });
  it('violations and cases opened are counts', () => {
    expect(KPIS.violations.compute(sums())).toBe(2);
    expect(KPIS.cases_opened.compute(sums())).toBe(3);
    expect(KPIS.notices_sent.compute(sums())).toBe(2);
  });
  it('mean depth averages over violating reads only; worst depth is the maximum', () => {
    expect(KPIS.mean_depth.compute(sums())).toBe(15);
    expect(KPIS.mean_depth.compute(sums({ violatingReads: 0, sumDepthPct: 0 }))).toBeNull();
    expect(KPIS.worst_depth.compute(sums())).toBe(20);
    expect(KPIS.worst_depth.compute(sums({ maxDepthPct: null }))).toBeNull();
  });
  it('variance against MSRP in percent: mean over reads with an MSRP; p10 and p90 as given', () => {
    expect(KPIS.msrp_variance.compute(sums())).toBeCloseTo(-15, 10);
    expect(KPIS.msrp_variance.compute(sums({ msrpReads: 0, sumMsrpVariance: 0 }))).toBeNull();
    expect(KPIS.msrp_variance_p10.compute(sums())).toBeCloseTo(-30, 10);
    expect(KPIS.msrp_variance_p90.compute(sums())).toBeCloseTo(-5, 10);
    expect(KPIS.msrp_variance_p90.compute(sums({ msrpVarianceP90: null }))).toBeNull();
  });
  it('blocked share: blocked ÷ all reads', () => {
    expect(KPIS.blocked_share.compute(sums())).toBe(10);
    expect(KPIS.blocked_share.compute(sums({ reads: 0, blockedReads: 0 }))).toBeNull();
  });
  it('computeKpis gives every KPI', () => {
    expect(Object.keys(computeKpis(sums())).sort()).toEqual([...KPI_IDS].sort());
  });
});
