/**
 * Findings (unauthorized marketplace sellers, MAP evasion) have their own listing,
 * `mapwatch findings [--json]` over src/queries/list-findings.ts, and a section in the
 * daily digest. Before, they appeared only in the demo summary.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFindings } from '../src/cli/commands/findings.js';
import type { DbHandle } from '../src/db/connect.js';
import { buildDigest } from '../src/notify/build-digest.js';
import { notifySchema } from '../src/notify/notify-config.js';
import { listFindings } from '../src/queries/list-findings.js';
import { recordFindings } from '../src/check/findings.js';
import { openTestDb, POSTGRES_URL } from './support/db.js';
import { type Catalog, observe, seedCatalog } from './notify-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const H = 3_600_000;
const NOW = new Date();
const EVIL = 'Cheap\u202eSeller <b>';

describe('findings (postgres)', { timeout: 60_000 }, () => {
  let h: DbHandle;
  let cat: Catalog;
  const cfg = notifySchema.parse({
    recipients: [
      { email: 'anna@brand.example', time_zone: 'UTC', digest_at: '08:00', alerts: false },
      { email: 'jp@brand.example', time_zone: 'UTC', digest_at: '08:00', alerts: false, regions: ['JP'] },
    ],
  });

  const read = async (key: string, at: Date, findings: Parameters<typeof recordFindings>[1]['findings']) => {
    const r = await observe(h.db, cat, key, 12000, at, cfg);
    await recordFindings(h.db, { observationId: r.observationId, listingId: cat.listing(key), at, findings });
  };

  beforeAll(async () => {
    h = await openTestDb('postgres');
    cat = await seedCatalog(
      h.db,
      [
        { name: 'MegaMarket', region: 'US', email: null },
        { name: 'CartShop', region: 'US', email: null },
      ],
      [{ sku: 'HP-1', name: 'Northwind HP-1' }],
    );
    const seller = (amount: string) => ({
      kind: 'unauthorized_seller' as const,
      detail: {
        sellers: [
          { seller: EVIL, amount, currency: 'USD', below_map: true, percent_below: 20, map_minor: 10000 },
          {
            seller: 'Fair Trader',
            amount: '105.00',
            currency: 'USD',
            below_map: false,
            percent_below: null,
            map_minor: 10000,
          },
        ],
        authorized: ['Northwind Official'],
      },
    });
    await read('MegaMarket/HP-1', new Date(NOW.getTime() - 5 * H), [seller('82.00')]);
    await read('MegaMarket/HP-1', new Date(NOW.getTime() - 2 * H), [seller('80.00')]);
    await read('CartShop/HP-1', new Date(NOW.getTime() - 3 * H), [
      { kind: 'map_evasion', detail: { phrases: ['see price in cart'], revealed_by_steps: true } },
    ]);
    // Older than a day: listed, but not in today's digest.
    await read('CartShop/HP-1', new Date(NOW.getTime() - 50 * H), [
      { kind: 'map_evasion', detail: { phrases: ['add to cart for price'], revealed_by_steps: false } },
    ]);
  });
  afterAll(() => h?.close());

  it('folds repeated reads into one row per listing and seller', async () => {
    const rows = await listFindings(h.db);
    expect(rows).toHaveLength(3);
    const evil = rows.find((r) => r.kind === 'unauthorized_seller' && r.seller === EVIL)!;
    expect(evil).toMatchObject({ reseller: 'MegaMarket', sku: 'HP-1', reads: 2, amount: '80.00', belowMap: true });
    expect(evil.lastSeenAt.getTime() - evil.firstSeenAt.getTime()).toBe(3 * H);
    const evasion = rows.find((r) => r.kind === 'map_evasion')!;
    expect(evasion).toMatchObject({
      reseller: 'CartShop',
      reads: 2,
      phrases: ['see price in cart'],
      revealedBySteps: true,
    });
    expect(await listFindings(h.db, { kind: 'map_evasion' })).toHaveLength(1);
    expect(await listFindings(h.db, { limit: 1, offset: 1 })).toHaveLength(1);

    const text = formatFindings(rows);
    expect(text).toMatch(
      /unauthorized seller\s+MegaMarket\s+HP-1\s+unauthorized seller "Cheap\uFFFDSeller <b>" at USD 80\.00, 20% below MAP/,
    );
    expect(text).toMatch(
      /MAP evasion\s+CartShop\s+HP-1\s+price hidden: "see price in cart" \(shown after add-to-cart\)/,
    );
    expect(text).not.toContain('\u202e');
  });

  it('`mapwatch findings --json` prints them', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), 'findings', '--json', '--kind', 'unauthorized'],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: POSTGRES_URL, MAPWATCH_DB_SCHEMA: h.schema, MAPWATCH_DEBUG: '' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as { kind: string; seller: string }[];
    expect(rows.map((x) => x.seller).sort()).toEqual([EVIL, 'Fair Trader'].sort());
  });

  it('puts the last 24 hours of findings in the digest, filtered like cases', async () => {
    const d = await buildDigest(h.db, cfg.recipients[0]!, cfg, NOW);
    expect(d.totals.findings).toBe(3);
    expect(d.text).toMatch(/Findings in the last 24 hours \(3\)/);
    expect(d.text).toContain('CartShop HP-1: price hidden: "see price in cart" (shown after add-to-cart)');
    expect(d.text).not.toContain('add to cart for price');
    expect(d.html).toMatch(/Findings · 3/);
    expect(d.html).toContain('Cheap\u202eSeller'.replace('\u202e', '') + ' &lt;b&gt;');
    expect(d.html).not.toContain('<b>');
    const jp = await buildDigest(h.db, cfg.recipients[1]!, cfg, NOW);
    expect(jp.totals.findings).toBe(0);
    expect(jp.text).not.toMatch(/Findings/);
  });
});
