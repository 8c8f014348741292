/**
 * Site sync writes in groups (sync-sites.ts: ≤ 100 sites and 2,000 listings per statement;
 * sync-site-files.ts: configs synced a group per transaction). With more than 100 sites and more
 * than 2,000 listings every row lands, in file order, a site with an unknown reseller in the
 * middle is skipped alone, and a sync that drops listings deactivates them across groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSites } from '../src/config/load-sites.js';
import { syncSiteFiles } from '../src/config/sync-site-files.js';
import { LISTINGS_PER_STATEMENT, SITES_PER_STATEMENT, syncValidSites } from '../src/config/sync-sites.js';
import type { DbHandle } from '../src/db/connect.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';

const SITES = 230;
const PER_SITE = 10;
const SKUS = Array.from({ length: PER_SITE }, (_, i) => `SKU-${i}`);
const name = (i: number) => `s${String(i).padStart(3, '0')}`;

/** A folder of `SITES` configs; site 117 names an unknown reseller; `drop` listings off each. */
function folder(opts: { drop?: number; prefix?: string } = {}): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < SITES; i++) {
    const listings = SKUS.slice(opts.drop ?? 0).map(
      (sku) => `  - { sku: ${sku}, url: "https://${name(i)}.example/p/${sku}" }`,
    );
    files[`${opts.prefix ?? ''}${name(i)}.yaml`] =
      `reseller: ${i === 117 ? 'Nobody' : 'R'}\ndomain: "${name(i)}.example"\ncurrency: USD\nlistings:\n${listings.join('\n')}\n`;
  }
  return tmpDir(files);
}

describe.each(BACKENDS)('site sync in groups (%s)', (backend) => {
  let h: DbHandle;

  beforeAll(async () => {
    h = await openTestDb(backend);
    await h.db.insertInto('resellers').values({ name: 'R' }).execute();
    await h.db
      .insertInto('products')
      .values(SKUS.map((sku) => ({ sku, name: sku })))
      .execute();
  });
  afterAll(async () => {
    await h?.close();
  });

  const counts = async () => ({
    sites: Number(
      (
        await h.db
          .selectFrom('sites')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    active: Number(
      (
        await h.db
          .selectFrom('listings')
          .where('active', '=', true)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    all: Number(
      (
        await h.db
          .selectFrom('listings')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  it('more sites and listings than one group: every row lands, in file order, the broken site alone skipped', async () => {
    expect(SITES).toBeGreaterThan(2 * SITES_PER_STATEMENT);
    expect((SITES - 1) * PER_SITE).toBeGreaterThan(LISTINGS_PER_STATEMENT);
    const found = await syncSiteFiles(folder(), { db: async () => h.db });
    expect(found.problems).toEqual([]);
    expect(found.skipped.map((p) => p.message)).toEqual([
      'unknown reseller "Nobody"; import it with `mapwatch import resellers`',
    ]);
    const names = Array.from({ length: SITES }, (_, i) => name(i)).filter((n) => n !== name(117));
    expect(found.sites.map((s) => s.site.name)).toEqual(names);
    expect(found.sites.every((s) => s.site.listings.length === 0)).toBe(true);
    const rows = await h.db.selectFrom('sites').select(['id', 'name']).execute();
    expect(new Map(rows.map((r) => [r.name, r.id]))).toEqual(new Map(found.sites.map((s) => [s.site.name, s.id])));
    expect(await counts()).toEqual({ sites: SITES - 1, active: (SITES - 1) * PER_SITE, all: (SITES - 1) * PER_SITE });
  });

  it('a sync that drops listings deactivates them on every site, across groups', async () => {
    const found = await syncSiteFiles(folder({ drop: 3 }), { db: async () => h.db });
    expect(found.sites).toHaveLength(SITES - 1);
    expect(await counts()).toEqual({
      sites: SITES - 1,
      active: (SITES - 1) * (PER_SITE - 3),
      all: (SITES - 1) * PER_SITE,
    });
  });

  it('syncValidSites over more than one group returns every listing row with its id', async () => {
    const loaded = loadSites(folder({ prefix: 'x' }));
    const { synced, skipped } = await syncValidSites(h.db, loaded.sites);
    expect(skipped).toHaveLength(1);
    expect(synced).toHaveLength(SITES - 1);
    expect(synced.flatMap((s) => s.listings)).toHaveLength((SITES - 1) * PER_SITE);
    for (const s of synced) {
      expect(s.listings.map((l) => l.sku).sort()).toEqual([...SKUS].sort());
      expect(s.listings.every((l) => l.url.startsWith(`https://${s.site.name.slice(1)}.example/`))).toBe(true);
    }
    const ids = new Set(synced.flatMap((s) => s.listings.map((l) => l.id)));
    expect(ids.size).toBe((SITES - 1) * PER_SITE);
    expect((await counts()).sites).toBe(2 * (SITES - 1));
  });
});
