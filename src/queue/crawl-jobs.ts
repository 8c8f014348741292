/**
 * The crawl jobs.
 * - `crawl-site`: fired by the site's BullMQ job scheduler at each cron slot; fans out one
 *   `crawl-listing` job per active listing, with job ids derived from site, listing and slot,
 *   so a repeated fan-out (two scheduler replicas, a retry) adds nothing twice.
 * - `crawl-listing`: one checkListing() with readKey = site:listing:slot. The domain's slot is
 *   taken first; a busy domain moves the job to delayed. A retried job whose observation is
 *   already stored (a crash after the commit) is done without reading again.
 */
import type { Job } from 'bullmq';
import { z } from 'zod';
import { loadMapRules } from '../catalog/load-map-rules.js';
import type { LoadedSite } from '../config/load-sites.js';
import { siteConfigSchema } from '../config/site-config.schema.js';
import { NotFoundError } from '../errors.js';
import { checkListing } from '../check/check-listing.js';
import type { CheckContext } from '../check/check-context.js';
import { defineJob, RETRY_DEFAULTS } from './job-registry.js';
import { SharedDomainGate } from './shared-domain-gate.js';

export const siteRef = z.object({
  site: z.string().min(1),
  /** The site's config without its listings (those come from the database at fan-out). */
  config: siteConfigSchema,
  configHash: z.string().min(1),
});

export const crawlSitePayload = siteRef.extend({ slot: z.number().int().nonnegative().optional() });
export const crawlListingPayload = siteRef.extend({
  siteId: z.number().int().positive(),
  slot: z.number().int().nonnegative(),
  listing: z.object({
    id: z.number().int().positive(),
    sku: z.string(),
    url: z.string().url(),
    packSize: z.number().int().positive(),
    productId: z.number().int().positive(),
  }),
});
export type CrawlListingPayload = z.output<typeof crawlListingPayload>;

/** The cron slot a scheduler-made job stands for: its id is `repeat:<scheduler>:<millis>`. */
export function slotOf(job: Pick<Job, 'id' | 'timestamp' | 'delay'>, given?: number): number {
  if (given !== undefined) return given;
  const m = /:(\d+)$/.exec(job.id ?? '');
  return m ? Number(m[1]) : job.timestamp + (job.delay ?? 0);
}

export function readKeyOf(siteId: number, listingId: number, slot: number): string {
  return `slot:${siteId}:${listingId}:${slot}`;
}

export function crawlListingJobId(siteId: number, listingId: number, slot: number): string {
  return `crawl-${siteId}-${listingId}-${slot}`;
}

export const crawlSiteJob = defineJob({
  id: 'crawl-site',
  queue: 'crawl',
  payload: crawlSitePayload,
  options: RETRY_DEFAULTS,
  async handler(data, { job, deps }) {
    const slot = slotOf(job, data.slot);
    const site = await deps.db
      .selectFrom('sites')
      .select(['id', 'config_hash'])
      .where('name', '=', data.site)
      .executeTakeFirst();
    if (!site) throw new NotFoundError(`site "${data.site}" is not in the database (was its config removed?)`);
    const listings = await deps.db
      .selectFrom('listings')
      .innerJoin('products', 'products.id', 'listings.product_id')
      .select(['listings.id', 'listings.url', 'listings.pack_size', 'listings.product_id', 'products.sku'])
      .where('listings.site_id', '=', site.id)
      .where('listings.active', '=', true)
      .orderBy('listings.id')
      .execute();
    const jobs = listings.map((l) => ({
      name: crawlListingJob.id,
      data: {
        site: data.site,
        config: data.config,
        configHash: data.configHash,
        siteId: site.id,
        slot,
        listing: { id: l.id, sku: l.sku, url: l.url, packSize: l.pack_size, productId: l.product_id },
      } satisfies CrawlListingPayload,
      opts: { ...crawlListingJob.options, jobId: crawlListingJobId(site.id, l.id, slot) },
    }));
    const crawlQueue = deps.queues?.crawl;
    if (!crawlQueue) throw new Error('crawl-site needs the crawl queue in its context (open the app with queues)');
    for (let i = 0; i < jobs.length; i += 500) await crawlQueue.addBulk(jobs.slice(i, i + 500));
    return { slot, enqueued: jobs.length };
  },
});

export const crawlListingJob = defineJob({
  id: 'crawl-listing',
  queue: 'crawl',
  payload: crawlListingPayload,
  options: RETRY_DEFAULTS,
  async handler(data, { deps }) {
    const readKey = readKeyOf(data.siteId, data.listing.id, data.slot);
    const done = await deps.db
      .selectFrom('observations')
      .select(['id', 'status'])
      .where('read_key', '=', readKey)
      .executeTakeFirst();
    if (done) return { observationId: done.id, status: done.status, duplicate: true };

    const site: LoadedSite = {
      name: data.site,
      file: `(queued ${data.site})`,
      config: data.config,
      listings: [],
      hash: data.configHash,
    };
    if (!deps.gateStore) throw new Error('crawl-listing needs a gate store in its context (open the app with queues)');
    const gate = new SharedDomainGate(deps.gateStore, deps.gateOptions);
    gate.configure(data.config.domain, {
      concurrency: data.config.rate_limit.concurrency,
      delayMs: data.config.rate_limit.delay_ms,
    });
    // Take the domain's slot before anything else: a busy domain throws DomainBusyError → delayed.
    // (Before loading MAP rules too: a job for a busy domain is tried several times, and each
    // try should cost as little as possible.)
    await gate.preacquire(new URL(data.listing.url).host);
    const ctx: CheckContext = { ...deps, fetchOptions: { ...deps.fetchOptions, gate } };
    try {
      const rules = (await loadMapRules(deps.db, [data.listing.productId])).get(data.listing.productId);
      if (!rules)
        throw new NotFoundError(`product ${data.listing.sku} (id ${data.listing.productId}) no longer exists`);
      const r = await checkListing(ctx, {
        site,
        listing: {
          id: data.listing.id,
          sku: data.listing.sku,
          url: data.listing.url,
          packSize: data.listing.packSize,
          productId: data.listing.productId,
          siteId: data.siteId,
        },
        rules,
        readKey,
      });
      return {
        observationId: r.observationId,
        status: r.draft.status,
        duplicate: r.duplicate,
        case: r.outcome.action,
        suppressed: r.health?.suppressed ?? false,
      };
    } finally {
      await gate.settle();
    }
  },
});
