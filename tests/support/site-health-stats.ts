/** A site's health statistics for the pure health tests: a healthy default, overridden per case. */
import type { SiteHealthStats } from '../../src/health/compute-site-health.js';

export function stats(o: Partial<SiteHealthStats>): SiteHealthStats {
  return {
    siteId: 1,
    site: 'shop',
    reads: 10,
    pageReads: 10,
    okReads: 10,
    blockedReads: 0,
    successRate: 1,
    blockedRate: 0,
    recheckTotal: 0,
    recheckDisagreed: 0,
    recheckDisagreementRate: null,
    lastGoodReadAt: null,
    latestPageStatuses: [],
    listingsRead: 3,
    listingsFailingLatest: 0,
    ...o,
  };
}
