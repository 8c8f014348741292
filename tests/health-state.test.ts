/**
 * One site-health state everywhere: a site whose every read is blocked is "blocked" in
 * `mapwatch sites health` (never "ok"), raises one ops alert that reaches the outbox, and
 * a "recovered" alert once reads get through again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordObservation } from '../src/cases/record-observation.js';
import { loadPolicy } from '../src/config/policy.js';
import { loadSites } from '../src/config/load-sites.js';
import { type SyncedSite, syncSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { formatSiteHealth } from '../src/health/format-site-health.js';
import { listSiteHealth } from '../src/queries/list-site-health.js';
import { siteHealthState } from '../src/health/site-health-state.js';
import { updateSiteHealth } from '../src/health/update-site-health.js';
import { enqueueSiteAlerts } from '../src/notify/collect-notifications.js';
import { notifySchema, type NotifyConfig } from '../src/notify/notify-config.js';
import type { ObservationDraft } from '../src/types.js';
import type { ObservationStatus } from '../src/types.js';
import type { SiteHealthStats } from '../src/health/compute-site-health.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog, siteYaml } from './support/queue.js';
import { tmpDir } from './support/tmp.js';

const thresholds = { minSuccessRate: 0.5, minPageReads: 5, recoverAfter: 3 };
const policy = loadPolicy({});

describe.each(BACKENDS)('site health state on %s', (backend) => {
  let h: DbHandle;
  let site: SyncedSite;
  let n = 0;

  const read = async (status: ObservationStatus) => {
    const draft: ObservationDraft = {
      capturedAt: new Date(Date.now() - 3600_000 + ++n * 1000),
      status,
      reason: status === 'blocked' ? 'http 403 (blocked)' : null,
      offer: null,
      amountMinor: status === 'ok' ? 12000 : null,
      currency: status === 'ok' ? 'USD' : null,
      httpStatus: status === 'blocked' ? 403 : 200,
      finalUrl: null,
      contentSha256: null,
      retryable: false,
    };
    await recordObservation(h.db, {
      listingId: site.listings[n % 2]!.id,
      siteId: site.id,
      draft,
      verdict: null,
      policy,
    });
    return updateSiteHealth(h.db, site.id, thresholds);
  };
  const alertKinds = async () =>
    (await h.db.selectFrom('site_alerts').select('kind').where('site_id', '=', site.id).orderBy('id').execute()).map(
      (a) => a.kind,
    );

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['B1', 'B2']);
    const dir = tmpDir({
      'blocky.yaml': siteYaml({
        host: 'blocky.example',
        origin: 'https://blocky.example',
        paths: [
          ['B1', '/a'],
          ['B2', '/b'],
        ],
      }),
    });
    [site] = (await syncSites(h.db, loadSites(dir).sites)) as [SyncedSite];
  });
  afterAll(() => h?.close());

  it('shows a site whose every read is blocked as blocked, and alerts ops once', async () => {
    expect((await listSiteHealth(h.db, { thresholds }))[0]!.state).toBe('unknown');
    for (let i = 0; i < 6; i++) expect((await read('blocked')).state).toBe('blocked');

    const [row] = await listSiteHealth(h.db, { thresholds });
    expect(row).toMatchObject({ site: 'blocky', state: 'blocked', suppressed: false, blockedRate: 1 });
    const text = formatSiteHealth([row!]);
    expect(text).toMatch(/^blocky\s+BLOCKED\s/m);
    expect(text).not.toMatch(/^blocky\s+ok\s/m);
    expect(text).toMatch(/blocky: blocked: all 6 recent read\(s\) were blocked by the site/);

    expect(await alertKinds()).toEqual(['blocked']);
    const cfg: NotifyConfig = notifySchema.parse({ ops: ['ops@example.com'] });
    expect(await enqueueSiteAlerts(h.db, cfg)).toBe(1);
    const mail = await h.db.selectFrom('outbox').select(['kind', 'recipient', 'subject', 'body_text']).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ kind: 'site_alert', recipient: 'ops@example.com' });
    expect(mail[0]!.subject).toMatch(/blocky: blocked/);
    expect(mail[0]!.body_text).toMatch(/Every recent read of this site was refused/);
  });

  it('reports degraded, then recovered, once reads get through', async () => {
    expect((await read('ok')).state).toBe('degraded');
    expect(await alertKinds()).toEqual(['blocked', 'recovered']);
    expect((await listSiteHealth(h.db, { thresholds }))[0]!.state).toBe('degraded');
  });
});

describe('siteHealthState', () => {
  const stats = (o: Partial<SiteHealthStats>): SiteHealthStats => ({
    siteId: 1,
    site: 's',
    reads: 20,
    pageReads: 20,
    okReads: 20,
    blockedReads: 0,
    successRate: 1,
    blockedRate: 0,
    recheckTotal: 0,
    recheckDisagreed: 0,
    recheckDisagreementRate: null,
    lastGoodReadAt: new Date(),
    latestPageStatuses: [],
    listingsRead: 2,
    listingsFailingLatest: 0,
    ...o,
  });
  const free = { suppressed: false, reason: null };

  it('orders the states from worst', () => {
    expect(siteHealthState(stats({}), thresholds, free).state).toBe('ok');
    expect(siteHealthState(stats({ okReads: 17, pageReads: 18, blockedReads: 2 }), thresholds, free).state).toBe(
      'degraded',
    );
    expect(siteHealthState(stats({ okReads: 5, successRate: 0.25 }), thresholds, free).state).toBe('needs_attention');
    expect(siteHealthState(stats({ recheckTotal: 4, recheckDisagreed: 3 }), thresholds, free).state).toBe(
      'needs_attention',
    );
    expect(siteHealthState(stats({ pageReads: 0, okReads: 0, blockedReads: 20 }), thresholds, free).state).toBe(
      'blocked',
    );
    expect(siteHealthState(stats({ reads: 0, pageReads: 0, okReads: 0 }), thresholds, free).state).toBe('unknown');
    expect(
      siteHealthState(stats({ okReads: 5, successRate: 0.25 }), thresholds, { suppressed: true, reason: 'x' }).state,
    ).toBe('suppressed');
  });
});
