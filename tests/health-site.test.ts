/**
 * Site health on both databases: a site whose extraction breaks is suppressed (its
 * violations open no case) with one "needs attention" alert, and resumes by itself,
 * with one "recovered" alert, once reads are good again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordObservation } from '../src/cases/record-observation.js';
import { loadPolicy } from '../src/config/policy.js';
import { loadSites } from '../src/config/load-sites.js';
import { type SyncedSite, syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { formatSiteHealth } from '../src/health/format-site-health.js';
import { makeIsSuppressed } from '../src/health/is-suppressed.js';
import { listSiteHealth } from '../src/queries/list-site-health.js';
import { updateSiteHealth } from '../src/health/update-site-health.js';
import type { ObservationDraft } from '../src/types.js';
import type { ObservationStatus } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { tmpDir } from './support/tmp.js';

const thresholds = { minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 };
const policy = loadPolicy({});

describe.each(BACKENDS)('site health on %s', (backend) => {
  let h: DbHandle;
  let site: SyncedSite;
  let t = Date.parse('2026-11-20T00:00:00Z');

  const read = async (listing: number, status: ObservationStatus) => {
    const draft: ObservationDraft = {
      capturedAt: new Date(Date.now() - 3600_000 + (t += 1000) - Date.parse('2026-11-20T00:00:00Z')),
      status,
      reason: status === 'ok' ? null : 'no price found',
      offer: null,
      amountMinor: status === 'ok' ? 12000 : null,
      currency: status === 'ok' ? 'USD' : null,
      httpStatus: status === 'blocked' ? 403 : 200,
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
    return updateSiteHealth(h.db, site.id, thresholds);
  };

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['H1', 'H2']);
    const dir = tmpDir({
      'health-shop.yaml': siteYaml({
        host: 'shop.example',
        origin: 'https://shop.example',
        paths: [
          ['H1', '/a'],
          ['H2', '/b'],
        ],
      }),
    });
    [site] = (await syncSites(h.db, loadSites(dir).sites)) as [SyncedSite];
  });
  afterAll(() => h?.close());

  it('suppresses a site whose extraction broke, alerts once, and resumes by itself', async () => {
    const isSuppressed = makeIsSuppressed(h.db, { cacheMs: 0 });
    for (let i = 0; i < 4; i++) expect((await read(i % 2, 'ok')).suppressed).toBe(false);
    await read(0, 'blocked'); // a block is not an extraction failure
    const changes = [];
    for (let i = 0; i < 6; i++) changes.push(await read(i % 2, 'no_price'));
    expect(changes.filter((c) => c.changed)).toHaveLength(1);
    expect(changes.at(-1)!.suppressed).toBe(true);
    expect(await isSuppressed(site.id)).toBe(true);

    const rows = await listSiteHealth(h.db);
    expect(rows[0]).toMatchObject({
      site: 'health-shop',
      suppressed: true,
      okReads: 4,
      pageReads: 10,
      blockedReads: 1,
    });
    expect(rows[0]!.successRate).toBeCloseTo(0.4);
    expect(rows[0]!.lastGoodReadAt).toBeInstanceOf(Date);
    expect(formatSiteHealth(rows)).toMatch(/health-shop\s+SUPPRESSED\s+40%\s+9.1%/);
    expect(formatSiteHealth(rows)).toMatch(
      /health-shop: new violations are suppressed since \S+: the latest read of all 2 listings found no usable price/,
    );

    expect((await read(0, 'ok')).suppressed).toBe(true);
    expect((await read(1, 'ok')).suppressed).toBe(true);
    const back = await read(0, 'ok');
    expect(back).toMatchObject({ suppressed: false, changed: true });
    expect(await isSuppressed(site.id)).toBe(false);

    const alerts = await h.db
      .selectFrom('site_alerts')
      .select(['kind', 'detail', 'notified_at'])
      .where('site_id', '=', site.id)
      .orderBy('id')
      .execute();
    expect(alerts.map((a) => a.kind)).toEqual(['needs_attention', 'recovered']);
    expect(alerts[0]!.detail).toMatchObject({
      site: 'health-shop',
      reason: 'the latest read of all 2 listings found no usable price',
    });
    expect(alerts.every((a) => a.notified_at === null)).toBe(true);
  });

  it('suppresses on the success rate alone, while one listing still reads fine', async () => {
    // A second site with three listings: L0 keeps reading fine, L1 and L2 lost their price.
    await seedCatalog(h, ['R0', 'R1', 'R2']);
    const dir = tmpDir({
      'rate-shop.yaml': siteYaml({
        host: 'rate.example',
        origin: 'https://rate.example',
        paths: [
          ['R0', '/0'],
          ['R1', '/1'],
          ['R2', '/2'],
        ],
      }),
    });
    const [rate] = (await syncSites(h.db, loadSites(dir).sites)) as [SyncedSite];
    const readRate = async (listing: number, status: ObservationStatus) => {
      const draft: ObservationDraft = {
        capturedAt: new Date(Date.now() - 3600_000 + (t += 1000) - Date.parse('2026-11-20T00:00:00Z')),
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
        listingId: rate.listings[listing]!.id,
        siteId: rate.id,
        draft,
        verdict: null,
        policy,
      });
      return updateSiteHealth(h.db, rate.id, thresholds);
    };
    // 3 ok of 6: exactly 50 %, not below it.
    for (const i of [0, 1, 2]) expect((await readRate(i, 'ok')).suppressed).toBe(false);
    for (const i of [1, 2]) expect((await readRate(i, 'no_price')).suppressed).toBe(false);
    expect((await readRate(0, 'ok')).suppressed).toBe(false); // 4 of 6
    expect((await readRate(1, 'no_price')).suppressed).toBe(false); // 4 of 7
    expect((await readRate(2, 'no_price')).suppressed).toBe(false); // 4 of 8: 50 %
    const down = await readRate(1, 'no_price'); // 4 of 9: 44 %, and R0's latest read is still ok
    expect(down).toMatchObject({
      suppressed: true,
      changed: true,
      reason: 'extraction success 44.4% over the last 9 page reads is below 50%',
    });
    const row = (await listSiteHealth(h.db)).find((r) => r.site === 'rate-shop')!;
    expect(row).toMatchObject({
      suppressed: true,
      okReads: 4,
      pageReads: 9,
      listingsFailingLatest: 2,
      listingsRead: 3,
    });
    expect(await makeIsSuppressed(h.db, { cacheMs: 0 })(rate.id)).toBe(true);
  });
});
