/**
 * The crawl jobs.
 * - `crawl-site`: fired by the site's BullMQ job scheduler at each cron slot; fans out one
 *   `crawl-listing` job per active listing, with job ids derived from site, listing and slot,
 *   so a repeated fan-out (two scheduler replicas, a retry) adds nothing twice.
 * - `crawl-listing`: one checkListing() with readKey = site:listing:slot. The domain's slot is
 *   taken first; a busy domain moves the job to delayed. A retried job whose read is already
 *   finished (a crash after the commit) is done without reading again; one whose first read
 *   still awaits its re-check (a crash between the two reads) completes the re-check.
 */
import type { Job } from 'bullmq';
import { z } from 'zod';
import { loadMapRules } from '../catalog/load-map-rules.js';
import { loadTrustedSite } from '../config/load-trusted-site.js';
import type { LoadedSite } from '../config/load-sites.js';
import { NotFoundError } from '../errors.js';
import { checkListing } from '../check/check-listing.js';
import type { CheckContext } from '../check/check-context.js';
import { findStoredRead } from '../check/find-stored-read.js';
import { JobDeferredError } from './job-deferred-error.js';
import { defineJob, RETRY_DEFAULTS } from './job-registry.js';
import { SharedDomainGate } from './shared-domain-gate.js';

/**
 * What a crawl job carries: references only. Never a config, headers, steps or URLs: job
 * data is visible to whoever can read the queue, and a job someone else added must not be
 * able to steer a worker. The worker loads the config it trusts (loadTrustedSite) and the
 * listing from the database. Strict: a job carrying anything else is refused.
 */
export const siteRef = z.strictObject({
  site: z.string().min(1),
  /** sha256 of the site config the job was queued for (LoadedSite.hash). */
  configHash: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest'),
});

export const crawlSitePayload = siteRef.extend({ slot: z.number().int().nonnegative().optional() });
export const crawlListingPayload = siteRef.extend({
  siteId: z.number().int().positive(),
  slot: z.number().int().nonnegative(),
  listingId: z.number().int().positive(),
});
export type CrawlSitePayload = z.output<typeof crawlSitePayload>;
export type CrawlListingPayload = z.output<typeof crawlListingPayload>;

/** The payload of a site's crawl job (what the scheduler and the sweep enqueue). */
export function crawlSiteData(site: Pick<LoadedSite, 'name' | 'hash'>, slot?: number): CrawlSitePayload {
  return { site: site.name, configHash: site.hash, ...(slot === undefined ? {} : { slot }) };
}

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
    const { id: siteId, site } = await loadTrustedSite(deps.db, data);
    const listings = await deps.db
      .selectFrom('listings')
      .select('id')
      .where('site_id', '=', siteId)
      .where('active', '=', true)
      .orderBy('id')
      .execute();
    // The domain gate lets one request start per `delay_ms` (each lease sets the next start that
    // much later, whatever the concurrency). Enqueued all at once, every job but the first found
    // the domain busy and went back to delayed, again and again until its turn: listing k of a
    // site was tried about k times, O(N²) job runs a slot (3.0 runs a listing in bench/queue.ts at
    // 5 listings a domain; about 500 at 1,000). Spread over the time the gate needs anyway, each
    // is tried about once; a job that still finds the domain busy waits as before (run-job.ts).
    const spacingMs = site.config.rate_limit.delay_ms;
    const jobs = listings.map((l, i) => ({
      name: crawlListingJob.id,
      data: {
        site: data.site,
        configHash: data.configHash,
        siteId,
        slot,
        listingId: l.id,
      } satisfies CrawlListingPayload,
      opts: {
        ...crawlListingJob.options,
        jobId: crawlListingJobId(siteId, l.id, slot),
        ...(spacingMs > 0 && i > 0 && { delay: i * spacingMs }),
      },
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
    const readKey = readKeyOf(data.siteId, data.listingId, data.slot);
    // A retry whose read is finished is done without reading again; one whose first read
    // awaits its re-check goes on, and checkListing completes it (find-stored-read.ts).
    const earlier = await findStoredRead(deps.db, readKey);
    if (earlier.state === 'finished')
      return { observationId: earlier.observationId, status: earlier.draft.status, duplicate: true };

    const { id: siteId, site } = await loadTrustedSite(deps.db, data);
    if (siteId !== data.siteId)
      throw new NotFoundError(`job names site "${data.site}" with id ${data.siteId}, but that site's id is ${siteId}`);
    const listing = await deps.db
      .selectFrom('listings')
      .innerJoin('products', 'products.id', 'listings.product_id')
      .select([
        'listings.id',
        'listings.url',
        'listings.pack_size',
        'listings.product_id',
        'listings.active',
        'products.sku',
      ])
      .where('listings.id', '=', data.listingId)
      .where('listings.site_id', '=', siteId)
      .executeTakeFirst();
    if (!listing?.active)
      throw new NotFoundError(
        `listing ${data.listingId} is not an active listing of site "${data.site}"; the job is dropped`,
      );
    const config = site.config;
    if (!deps.gateStore) throw new Error('crawl-listing needs a gate store in its context (open the app with queues)');
    const gate = new SharedDomainGate(deps.gateStore, deps.gateOptions);
    gate.configure(config.domain, {
      concurrency: config.rate_limit.concurrency,
      delayMs: config.rate_limit.delay_ms,
    });
    // Take the domain's slot before anything else: a busy domain throws DomainBusyError → delayed.
    // (Before loading MAP rules too: a job for a busy domain is tried several times, and each
    // try should cost as little as possible.)
    await gate.preacquire(new URL(listing.url).host);
    const ctx: CheckContext = {
      ...deps,
      fetchOptions: { ...deps.fetchOptions, gate },
      // The re-check's delay is spent delayed in the queue: the worker's slot and the domain's go
      // to other jobs meanwhile (the `finally` below gives the domain back).
      deferRecheck: (waitMs) => {
        throw new JobDeferredError(waitMs, `listing ${listing.id} awaits its re-check`);
      },
    };
    try {
      const rules = (await loadMapRules(deps.db, [listing.product_id])).get(listing.product_id);
      if (!rules) throw new NotFoundError(`product ${listing.sku} (id ${listing.product_id}) no longer exists`);
      const r = await checkListing(ctx, {
        site,
        listing: {
          id: listing.id,
          sku: listing.sku,
          url: listing.url,
          packSize: listing.pack_size,
          productId: listing.product_id,
          siteId,
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
