/**
 * VAT-inclusive and multi-pack pages: the screenshot banner and the alert show the price the
 * page advertises, the price compared with the MAP, and why they differ. Before this, a page
 * saying EUR 219.00 got a banner "observed EUR 219.00 vs MAP EUR 189.00 · 3.44% below MAP"
 * and an alert calling the net EUR 182.50 "advertised".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaseFacts, mergeFields } from '../src/cases/load-case-facts.js';
import { recordObservation } from '../src/cases/record-observation.js';
import { compareToMap, type Verdict } from '../src/compare/compare-to-map.js';
import { explainPrice } from '../src/compare/explain-price.js';
import type { ComparisonInput } from '../src/compare/schemas.js';
import type { DbHandle } from '../src/db/connect.js';
import { bannerLines } from '../src/evidence/annotate-screenshot.js';
import { renderTemplate } from '../src/notify/render-template.js';
import type { ObservationDraft } from '../src/types.js';
import { openTestDb } from './support/db.js';
import { seedCatalog, SEVERITY } from './notify-fixtures.js';

const AT = new Date('2026-06-01T12:00:00Z');
const bands = [
  { name: 'low', minPercentBelow: 0 },
  { name: 'medium', minPercentBelow: 5 },
  { name: 'high', minPercentBelow: 15 },
];
const compare = (over: Partial<ComparisonInput> & { amountMinor: number; currency: string; mapMinor: number }) => {
  const { amountMinor, currency, mapMinor, ...rest } = over;
  return compareToMap({
    observed: { amountMinor, currency, capturedAt: AT },
    mapPrices: [{ currency, mapMinor, listMinor: null, effectiveFrom: new Date('2026-01-01'), effectiveTo: null }],
    severityBands: bands,
    ...rest,
  });
};

// The demo's EU store: EUR 219.00 including 20% VAT against a net MAP of EUR 189.00.
const vatVerdict = compare({
  amountMinor: 21900,
  currency: 'EUR',
  mapMinor: 18900,
  siteVat: { included: true, rate: 20 },
});

describe('explaining a VAT-inclusive or multi-pack price', () => {
  it('names the advertised gross price, the net price compared and the VAT rate', () => {
    expect(vatVerdict).toMatchObject({ kind: 'violation', normalizedMinor: 18250 });
    const e = explainPrice(21900, 'EUR', vatVerdict);
    expect(e.line).toBe('advertised EUR 219.00 · compared at EUR 182.50 net vs MAP EUR 189.00: 3.44% below MAP');
    expect(e.basis).toBe('the page price includes 20% VAT and the MAP is net, so the net price is compared');
  });

  it('puts all three on the screenshot banner', () => {
    const e = explainPrice(21900, 'EUR', vatVerdict);
    const lines = bannerLines({ url: 'https://eu.example/p/1', capturedAt: AT, price: e.line, basis: e.basis });
    expect(lines).toEqual([
      'https://eu.example/p/1',
      '2026-06-01 12:00:00 UTC · advertised EUR 219.00 · compared at EUR 182.50 net vs MAP EUR 189.00: 3.44% below MAP',
      'Why: the page price includes 20% VAT and the MAP is net, so the net price is compared',
    ]);
  });

  it('explains a pack the same way', () => {
    const v = compare({ amountMinor: 5700, currency: 'USD', mapMinor: 2000, listingPackSize: 3 });
    const e = explainPrice(5700, 'USD', v);
    expect(e.line).toBe('advertised USD 57.00 · compared at USD 19.00 per 1 vs MAP USD 20.00: 5% below MAP');
    expect(e.basis).toBe('the page sells a pack of 3 and the MAP is for 1, so the price per 1 is compared');
  });

  it('says nothing extra when nothing was restated', () => {
    const v = compare({ amountMinor: 8900, currency: 'USD', mapMinor: 10000 });
    expect(explainPrice(8900, 'USD', v)).toMatchObject({
      line: 'advertised USD 89.00 vs MAP USD 100.00: 11% below MAP',
      basis: '',
    });
  });
});

describe('the alert for a VAT-inclusive page (postgres)', () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb('postgres');
  });
  afterAll(() => h?.close());

  it('shows the advertised gross price, the compared net price and why', async () => {
    const cat = await seedCatalog(
      h.db,
      [{ name: 'EuroShop', region: 'DE', email: null }],
      [{ sku: 'HP-1', name: 'Headphones' }],
    );
    const draft: ObservationDraft = {
      capturedAt: AT,
      status: 'ok',
      reason: null,
      offer: { amount: '219.00', currency: 'EUR', source: 'json-ld', name: 'Headphones' },
      amountMinor: 21900,
      currency: 'EUR',
      httpStatus: 200,
      finalUrl: null,
      contentSha256: null,
      retryable: false,
    } as ObservationDraft;
    const r = await recordObservation(h.db, {
      listingId: cat.listing('EuroShop/HP-1'),
      siteId: cat.siteOf('EuroShop/HP-1'),
      draft,
      verdict: vatVerdict as Verdict,
      policy: { resolveAfter: 1, severityOrder: SEVERITY },
    });
    expect(r.outcome.action).toBe('opened');
    const [facts] = await loadCaseFacts(h.db, [(r.outcome as { caseId: number }).caseId]);
    const fields = mergeFields(facts!, AT);
    expect(fields).toMatchObject({
      observed_price: 'EUR 219.00',
      compared_price: 'EUR 182.50',
      map_price: 'EUR 189.00',
    });
    const alert = renderTemplate('alert.txt', fields);
    expect(alert.text).toMatch(/Advertised: +EUR 219\.00 \(as the page shows it\)/);
    expect(alert.text).toMatch(/Compared: +EUR 182\.50 \(3\.44% below MAP\)/);
    expect(alert.text).toContain(
      'Compared at EUR 182.50: the page price includes 20% VAT and the MAP is net, so the net price is compared.',
    );
    const notice = renderTemplate('notice-1.txt', { ...fields, company: 'Northwind', contact: 'x' });
    expect(notice.text).toMatch(/advertised on your site at EUR 219\.00, .*includes 20% VAT/s);
  });
});
