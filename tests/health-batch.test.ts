/**
 * Site health judged per batch of reads (src/health/batch-site-health.ts), on both databases:
 * several sites' reads are judged in one transaction, each site ends in the state judging it
 * after every read gives, a change of state raises one alert and is reported once, and a site
 * that recovers does so in a later batch. No timing is asserted: batches are flushed by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordObservation } from '../src/cases/record-observation.js';
import { loadPolicy } from '../src/config/policy.js';
import { loadSites } from '../src/config/load-sites.js';
import { type SyncedSite, syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { SiteHealthBatch } from '../src/health/batch-site-health.js';
import type { HealthChange } from '../src/health/update-site-health.js';
import { makeIsSuppressed } from '../src/health/is-suppressed.js';
import type { ObservationDraft, ObservationStatus } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { tmpDir } from './support/tmp.js';

const thresholds = { minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 };
const policy = loadPolicy({});

describe.each(BACKENDS)('site health per batch of reads on %s', (backend) => {
  let h: DbHandle;
  let broken: SyncedSite;
  let fine: SyncedSite;
  let t = 0;

  const read = async (site: SyncedSite, listing: number, status: ObservationStatus) => {
    const draft: ObservationDraft = {
      capturedAt: new Date(Date.now() - 3600_000 + (t += 1000)),
      status,
      reason: status === 'ok' ? null : 'no price found',
      offer: null,
      amountMinor: status === 'ok' ? 12000 : null,
      currency: status === 'ok' ? 'USD' : null,
      httpStatus: 200,
      finalUrl: null,
      contentSha256: null,
      retryable: false,
    };
    await recordObservation(h.db, {
      listingId: site.listings[listing]!.id,
      siteId: site.id,
      draft,
      verdict: null,
      policy,
    });
  };

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['B1', 'B2', 'F1', 'F2']);
    const dir = tmpDir({
      'broken-shop.yaml': siteYaml({
        host: 'broken.example',
        origin: 'https://broken.example',
        paths: [
          ['B1', '/1'],
          ['B2', '/2'],
        ],
      }),
      'fine-shop.yaml': siteYaml({
        host: 'fine.example',
        origin: 'https://fine.example',
        paths: [
          ['F1', '/1'],
          ['F2', '/2'],
        ],
      }),
    });
    const synced = await syncSites(h.db, loadSites(dir).sites);
    broken = synced.find((s) => s.site.name === 'broken-shop')!;
    fine = synced.find((s) => s.site.name === 'fine-shop')!;
  });
  afterAll(() => h?.close());

  it('judges every noted site in one batch, reports a change once, alerts once, and recovers later', async () => {
    const batch = new SiteHealthBatch(h.db, thresholds, { maxWaitMs: 60_000 });
    const changes: HealthChange[] = [];
    const stop = batch.onChange((c) => changes.push(c));
    for (let i = 0; i < 6; i++) {
      await read(broken, i % 2, 'no_price');
      expect(batch.noteRead(broken.id)).toBeUndefined(); // nothing judged yet in this process
      await read(fine, i % 2, 'ok');
      batch.noteRead(fine.id);
    }
    await batch.flush();
    expect(batch.stats).toEqual({ batches: 1, sites: 2 });
    expect(changes).toEqual([
      {
        siteId: broken.id,
        suppressed: true,
        changed: true,
        reason: 'extraction success 0% over the last 6 page reads is below 50%',
        state: 'suppressed',
      },
    ]);
    expect(batch.noteRead(fine.id)).toMatchObject({ suppressed: false, changed: false, state: 'ok' });
    expect(await makeIsSuppressed(h.db, { cacheMs: 0 })(broken.id)).toBe(true);

    // More failing reads: still suppressed, no second alert and no second change.
    await read(broken, 0, 'no_price');
    batch.noteRead(broken.id);
    await batch.flush();
    expect(changes).toHaveLength(1);

    for (const i of [0, 1, 0]) await read(broken, i, 'ok');
    batch.noteRead(broken.id);
    await batch.close();
    stop();
    expect(changes.map((c) => [c.siteId, c.suppressed, c.changed])).toEqual([
      [broken.id, true, true],
      [broken.id, false, true],
    ]);
    const alerts = await h.db
      .selectFrom('site_alerts')
      .select(['site_id', 'kind'])
      .where('site_id', 'in', [broken.id, fine.id])
      .orderBy('id')
      .execute();
    expect(alerts).toEqual([
      { site_id: broken.id, kind: 'needs_attention' },
      { site_id: broken.id, kind: 'recovered' },
    ]);
    const rows = await h.db.selectFrom('site_health').select(['site_id', 'state', 'suppressed']).execute();
    expect(rows.find((r) => r.site_id === broken.id)?.suppressed).toBe(false);
    expect(rows.find((r) => r.site_id === fine.id)).toMatchObject({ state: 'ok', suppressed: false });
  });
});
