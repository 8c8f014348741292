/**
 * `mapwatch discover` and the discovery job: sync the given sites (their reseller must
 * exist), then run discovery on each one that has a `discover:` section, one site after
 * the other (each is bounded by its own rate limit; running them in turn keeps a single
 * command from opening many slow streams at once).
 */
import type { LoadedSite } from '../config/load-sites.js';
import { syncValidSites } from '../config/sync-sites.js';
import type { AppContext } from '../context.js';
import type { InputProblem } from '../errors.js';
import type { DomainGate } from '../fetch/domain-gate.js';
import { type DiscoverySummary, runDiscovery } from './run-discovery.js';

export interface DiscoverSitesResult {
  runs: DiscoverySummary[];
  skipped: InputProblem[];
}

export async function discoverSites(
  ctx: Pick<AppContext, 'db' | 'fetchOptions' | 'fetcher'>,
  sites: readonly LoadedSite[],
  o: { gate?: DomainGate; maxPages?: number; signal?: AbortSignal } = {},
): Promise<DiscoverSitesResult> {
  const withDiscover = sites.filter((s) => s.config.discover);
  const { synced, skipped } = await syncValidSites(ctx.db, withDiscover);
  const runs: DiscoverySummary[] = [];
  for (const s of synced) {
    if (o.signal?.aborted) break;
    runs.push(await runDiscovery(ctx, { siteId: s.id, site: s.site, ...o }));
  }
  return { runs, skipped };
}
