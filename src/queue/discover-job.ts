/**
 * `discover-site`: one discovery run for one site, fired by the site's own discovery job
 * scheduler (`discover-<site>`, on `discover.schedule`, apart from the price crawl). The
 * payload is a reference only (site name + config hash), like the crawl jobs'. The run
 * shares the cross-worker domain gate with the crawl, so discovery and price reads
 * together stay within the site's rate limit; it waits for the gate in-process (a run is
 * one long job, not one job per page).
 */
import { loadTrustedSite } from '../config/load-trusted-site.js';
import { runDiscovery } from '../discover/run-discovery.js';
import { NotFoundError } from '../errors.js';
import { siteRef } from './crawl-jobs.js';
import { defineJob, RETRY_DEFAULTS } from './job-registry.js';
import { SharedDomainGate } from './shared-domain-gate.js';

/** A discovery run may wait this long for one gate slot before it gives up (and retries later). */
const DISCOVERY_GATE_WAIT_MS = 10 * 60_000;

export const discoverSiteJob = defineJob({
  id: 'discover-site',
  queue: 'crawl',
  payload: siteRef,
  options: { ...RETRY_DEFAULTS, attempts: 3 },
  async handler(data, { deps }) {
    const { id: siteId, site } = await loadTrustedSite(deps.db, data);
    if (!site.config.discover)
      throw new NotFoundError(`site "${data.site}" has no discover: section any more; the job is dropped`);
    const gate = deps.gateStore
      ? new SharedDomainGate(deps.gateStore, { ...deps.gateOptions, maxInlineWaitMs: DISCOVERY_GATE_WAIT_MS })
      : undefined;
    const r = await runDiscovery(deps, { siteId, site, ...(gate ? { gate } : {}) });
    return {
      found: r.found,
      pagesRead: r.pagesRead,
      matched: r.matched,
      review: r.review,
      moved: r.moved,
      gone: r.gone,
      pendingLeft: r.pendingLeft,
    };
  },
});
