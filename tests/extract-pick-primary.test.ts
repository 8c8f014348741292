/**
 * pickPrimary on its own: given the candidates each source found, which one is the page's
 * own price, and when it must abstain. Every abstention and every settled disagreement
 * leaves a warning that names the sources and prices, because ops read them to fix a site.
 */
import { describe, expect, it } from 'vitest';
import type { Candidate, PageContext } from '../src/extract/candidate.js';
import type { EmbeddedWitness } from '../src/extract/match-embedded.js';
import { pickPrimary } from '../src/extract/pick-primary.js';
import type { TextCandidate, TextPick } from '../src/extract/visible-text.js';
import { printsAmount } from '../src/extract/markup-witness.js';
import { extractOffers } from '../src/extract/extract-offers.js';

const ctx: PageContext = { url: 'https://shop.example/p/widget-pro-wp1234', title: 'Widget Pro' };
const c = (o: Partial<Candidate>): Candidate => ({
  source: 'json-ld',
  role: 'price',
  amount: '100',
  currency: 'USD',
  ...o,
});
const tc = (o: Partial<TextCandidate>): TextCandidate => ({
  ...c({ source: 'text' }),
  level: 0,
  sale: false,
  softList: false,
  order: 0,
  cart: Infinity,
  prominent: false,
  repeated: false,
  itemprop: false,
  from: false,
  ...o,
});
const emb = (o: Partial<EmbeddedWitness>): EmbeddedWitness => ({
  amount: '100',
  currency: 'USD',
  source: 'embedded next-data',
  knownUnits: true,
  ...o,
});

function pick(
  sources: Partial<Record<Candidate['source'], Candidate[]>>,
  text: TextPick = {},
  extras: Parameters<typeof pickPrimary>[4] = {},
  page: PageContext = ctx,
) {
  const warnings: string[] = [];
  const r = pickPrimary(new Map(Object.entries(sources)), text, page, warnings, extras);
  return { ...r, warnings };
}

describe('a price range', () => {
  const range = c({ role: 'range', amount: '100', high: '200' });

  it('settles only when the visible price sits inside it, bounds included, in the same currency', () => {
    for (const amount of ['100', '150', '200']) {
      const t = tc({ amount });
      const r = pick({ 'json-ld': [range] }, { chosen: t });
      expect(r).toMatchObject({ chosen: t, ambiguous: false });
      expect(r.warnings).toEqual([`json-ld: price range 100–200; the visible price ${amount} USD is inside it`]);
    }
  });

  it('is ambiguous when the visible price is outside it, in another currency, or missing', () => {
    for (const t of [tc({ amount: '99' }), tc({ amount: '201' }), tc({ amount: '150', currency: 'EUR' })]) {
      const r = pick({ 'json-ld': [range] }, { chosen: t });
      expect(r).toMatchObject({ chosen: null, ambiguous: true });
      expect(r.warnings).toEqual(['json-ld: only a price range 100–200 USD is given']);
    }
    expect(pick({ microdata: [c({ role: 'range', amount: '5', currency: null })] }).warnings).toEqual([
      'microdata: only a price range 5–? is given',
    ]);
  });

  it('a range of a related product, or in a source after a price, decides nothing', () => {
    const r = pick({
      'json-ld': [{ ...range, related: true }],
      microdata: [c({ source: 'microdata', amount: '120' })],
    });
    expect(r).toMatchObject({ chosen: { amount: '120', source: 'microdata' }, ambiguous: false });
    const later = pick({ 'json-ld': [c({})], microdata: [c({ source: 'microdata', role: 'range', high: '300' })] });
    expect(later).toMatchObject({ chosen: { amount: '100' }, ambiguous: false });
    expect(later.warnings).toEqual([]);
  });
});

describe('offers that are never the primary price', () => {
  it.each(['used', 'refurbished', 'damaged'] as const)('only %s offers: no price, not ambiguous', (condition) => {
    const r = pick({ 'json-ld': [c({ condition })] });
    expect(r).toEqual({
      chosen: null,
      ambiguous: false,
      warnings: [`json-ld: only ${condition} offers, which are never the primary price`],
    });
  });

  it('a new offer, a list price and a related product are told apart', () => {
    expect(pick({ 'json-ld': [c({ condition: 'new', amount: '90' })] }).chosen).toMatchObject({ amount: '90' });
    const r = pick(
      { 'json-ld': [c({ role: 'list', amount: '150' }), c({ amount: '120', related: true })] },
      {
        chosen: tc({ amount: '99' }),
      },
    );
    expect(r.chosen).toMatchObject({ amount: '99', source: 'text' });
    expect(r.warnings).toEqual([]);
  });
});

describe("the page's own product among several", () => {
  const g = (key: string, amount: string, product: Candidate['product'] = {}, o: Partial<Candidate> = {}) =>
    c({ productKey: key, amount, product, ...o });

  it('the product whose URL is the page (or its canonical) wins', () => {
    const r = pick({ 'json-ld': [g('a', '50', { url: '/p/other' }), g('b', '70', { url: '/p/widget-pro-wp1234/' })] });
    expect(r.chosen).toMatchObject({ amount: '70' });
    const canon = pick(
      { 'json-ld': [g('a', '50', { url: '/x' }), g('b', '70', { url: 'https://shop.example/Canon' })] },
      {},
      {},
      { ...ctx, canonical: 'https://shop.example/canon' },
    );
    expect(canon.chosen).toMatchObject({ amount: '70' });
  });

  it('the main entity, a SKU of four or more characters in the URL, or the title each settle it', () => {
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', {}, { main: true })] }).chosen).toMatchObject({
      amount: '70',
    });
    expect(pick({ 'json-ld': [g('a', '50', { sku: 'ZZ99' }), g('b', '70', { sku: 'WP1234' })] }).chosen).toMatchObject({
      amount: '70',
    });
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', {}, { sku: 'wp12' })] }).chosen).toMatchObject({
      amount: '70',
    });
    // "wp1" is in the URL too, but three characters prove nothing
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { sku: 'wp1' })] })).toMatchObject({
      chosen: null,
      ambiguous: true,
    });
    expect(
      pick({ 'json-ld': [g('a', '50', { name: 'Cable' }), g('b', '70', { name: 'widget-PRO' })] }).chosen,
    ).toMatchObject({ amount: '70' });
  });

  it('a long title inside the name, or a long name inside the title, matches; a short one does not', () => {
    const long = { ...ctx, title: 'Widget Pro 3000 | Shop' };
    expect(
      pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Widget Pro 3000' })] }, {}, {}, long).chosen,
    ).toMatchObject({
      amount: '70',
    });
    const short = { ...ctx, title: 'Pro' };
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Widget Pro' })] }, {}, {}, short).chosen).toBeNull();
    const longTitle = { ...ctx, title: 'Widget Pro 3000' };
    expect(
      pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Widget Pro 3000 — black edition' })] }, {}, {}, longTitle)
        .chosen,
    ).toMatchObject({ amount: '70' });
  });

  it('tied products with one price are one price; with different prices the first source abstains', () => {
    expect(pick({ 'json-ld': [g('a', '70'), g('b', '70.00')] })).toMatchObject({ chosen: { amount: '70' } });
    const r = pick({ 'json-ld': [g('a', '50'), g('b', '70')] });
    expect(r).toMatchObject({ chosen: null, ambiguous: true });
    expect(r.warnings).toEqual([
      "json-ld: 2 products with different prices and none matches the page's URL, SKU or title",
    ]);
  });

  it('an undecidable later source is skipped, not fatal', () => {
    const r = pick({
      'json-ld': [c({ amount: '70' })],
      microdata: [g('a', '50', {}, { source: 'microdata' }), g('b', '60', {}, { source: 'microdata' })],
    });
    expect(r).toMatchObject({ chosen: { amount: '70' }, ambiguous: false });
  });
});

describe('several prices of the one product', () => {
  it("the site's currency settles it", () => {
    const r = pick(
      { 'json-ld': [c({ amount: '100', currency: 'EUR' }), c({ amount: '120' })] },
      {},
      {},
      {
        ...ctx,
        siteCurrency: 'USD',
      },
    );
    expect(r.chosen).toMatchObject({ amount: '120', currency: 'USD' });
  });

  it('another source confirming exactly one of them settles it, and says which', () => {
    const r = pick({
      'json-ld': [c({ amount: '100' }), c({ amount: '120' })],
      meta: [c({ source: 'meta', amount: '120' })],
    });
    expect(r.chosen).toMatchObject({ amount: '120', source: 'json-ld' });
    expect(r.warnings).toEqual(['json-ld: offers disagree (100 USD, 120 USD); 120 USD is confirmed by meta']);
    const byText = pick(
      { 'json-ld': [c({ amount: '100' }), c({ amount: '120' })] },
      { chosen: tc({ amount: '100', currency: null }) },
    );
    expect(byText.chosen).toMatchObject({ amount: '100', source: 'json-ld' });
    const otherCurrency = pick(
      { 'json-ld': [c({ amount: '100' }), c({ amount: '120' })] },
      { chosen: tc({ amount: '100', currency: 'EUR' }) },
    );
    expect(otherCurrency.chosen).toBeNull();
  });

  it('the only price in stock settles it', () => {
    const r = pick({
      'json-ld': [c({ amount: '100', availability: 'out_of_stock' }), c({ amount: '120', availability: 'in_stock' })],
    });
    expect(r).toMatchObject({ chosen: { amount: '120', availability: 'in_stock' }, ambiguous: false });
    const both = pick({
      'json-ld': [c({ amount: '100', availability: 'in_stock' }), c({ amount: '120', availability: 'in_stock' })],
    });
    expect(both.chosen).toBeNull();
  });

  it('otherwise abstains, listing the prices (a bare amount is the same price as one with a currency)', () => {
    const r = pick({
      'json-ld': [c({ amount: '100' }), c({ amount: '100', currency: null }), c({ amount: '120', currency: null })],
    });
    expect(r).toMatchObject({ chosen: null, ambiguous: true });
    expect(r.warnings).toEqual([
      "json-ld: the page's product has several prices (100 USD, 120 ???) and nothing settles which is advertised",
    ]);
  });

  it('returns the candidate with its details, not a bare amount', () => {
    const r = pick({ 'json-ld': [c({ amount: '100', currency: null }), c({ amount: '100', sku: 'S-1' })] });
    expect(r.chosen).toMatchObject({ amount: '100', currency: null });
  });
});

describe('sources that disagree', () => {
  it('a lower-priority source with another price makes the page ambiguous', () => {
    const r = pick({ 'json-ld': [c({ amount: '100' })], microdata: [c({ source: 'microdata', amount: '90' })] });
    expect(r).toEqual({ chosen: null, ambiguous: true, warnings: ['json-ld says 100 USD but microdata says 90 USD'] });
  });

  it('unless the visible price agrees with the first source', () => {
    const r = pick(
      {
        'json-ld': [c({ amount: '100' })],
        meta: [c({ source: 'meta', amount: '90' }), c({ source: 'meta', amount: '90.0' })],
      },
      { chosen: tc({ amount: '100' }) },
    );
    expect(r).toMatchObject({ chosen: { amount: '100', source: 'json-ld' }, ambiguous: false });
    expect(r.warnings).toEqual(['meta says 90 USD but json-ld and the visible price say 100 USD']);
  });

  it('an agreeing later source says nothing', () => {
    const r = pick({ 'json-ld': [c({ amount: '100' })], selector: [c({ source: 'selector', amount: '100.00' })] });
    // One price, nothing against it: settled without the visible text (extract-offers.ts may skip it).
    expect(r).toEqual({
      chosen: expect.objectContaining({ amount: '100' }),
      ambiguous: false,
      settledAlone: true,
      warnings: [],
    });
  });

  it('a price settled by a witness, or by the visible price against another source, is not settled alone', () => {
    const twoPrices = pick({
      'json-ld': [c({ amount: '100' }), c({ amount: '120' })],
      meta: [c({ source: 'meta', amount: '100' })],
    });
    expect(twoPrices.chosen?.amount).toBe('100');
    expect(twoPrices.settledAlone).toBe(false);
  });

  it('warns when the visible text differs by more than 2 %, not at 2 %', () => {
    expect(pick({ 'json-ld': [c({ amount: '100' })] }, { chosen: tc({ amount: '97' }) }).warnings).toEqual([
      'visible text shows 97 USD but json-ld says 100 USD',
    ]);
    expect(pick({ 'json-ld': [c({ amount: '100' })] }, { chosen: tc({ amount: '98' }) }).warnings).toEqual([]);
  });

  it('warns when the embedded state names another price, and not when it agrees or has no currency', () => {
    expect(pick({ 'json-ld': [c({})] }, {}, { embedded: emb({ amount: '90' }) }).warnings).toEqual([
      'embedded next-data says 90 but json-ld says 100 USD',
    ]);
    expect(
      pick({ 'json-ld': [c({})] }, {}, { embedded: emb({ amount: '100', currency: 'EUR' }) }).warnings,
    ).toHaveLength(1);
    expect(pick({ 'json-ld': [c({})] }, {}, { embedded: emb({ currency: null }) }).warnings).toEqual([]);
    expect(pick({ 'json-ld': [c({ currency: null })] }, {}, { embedded: emb({}) }).warnings).toEqual([]);
  });
});

describe('no structured price: the visible text', () => {
  it('takes the visible price when nothing contradicts it', () => {
    const t = tc({ amount: '80' });
    expect(pick({}, { chosen: t })).toEqual({ chosen: t, ambiguous: false, warnings: [] });
    expect(pick({}, { chosen: t }, { embedded: emb({ amount: '80' }) })).toMatchObject({ chosen: t });
    // a state whose units are unknown (cents or units?) cannot contradict it
    expect(pick({}, { chosen: t }, { embedded: emb({ amount: '8000', knownUnits: false }) })).toMatchObject({
      chosen: t,
    });
  });

  it('abstains when a state with known units names another price', () => {
    expect(pick({}, { chosen: tc({ amount: '80' }) }, { embedded: emb({ amount: '90' }) })).toEqual({
      chosen: null,
      ambiguous: true,
      warnings: ['visible text shows 80 USD but embedded next-data says 90'],
    });
  });

  it('with no visible pick, the state confirms the nearest visible price that it matches', () => {
    const far = tc({ amount: '100', level: 3 });
    const near = tc({ amount: '100', level: 1 });
    const r = pick(
      {},
      { reason: 'prices disagree' },
      { embedded: emb({}), textCands: [far, near, tc({ amount: '50' })] },
    );
    expect(r.chosen).toBe(near);
    expect(r.ambiguous).toBe(false);
    expect(r.warnings).toEqual(['text: prices disagree', 'visible price 100 USD confirmed by embedded next-data']);
  });

  it('never takes a state price the page does not show, nor a related or non-price one', () => {
    const r = pick(
      {},
      { reason: 'prices disagree' },
      { embedded: emb({}), textCands: [tc({ related: true }), tc({ role: 'list' }), tc({ amount: '60' })] },
    );
    expect(r).toEqual({
      chosen: null,
      ambiguous: true,
      warnings: ['text: prices disagree', 'embedded next-data says 100, which the page does not show; not taken alone'],
    });
    expect(pick({}, {}, { embedded: emb({}) })).toMatchObject({ chosen: null, ambiguous: false });
  });

  it('is ambiguous only when the text model saw prices that disagree', () => {
    expect(pick({}, { reason: 'no price near the title' })).toEqual({
      chosen: null,
      ambiguous: false,
      warnings: ['text: no price near the title'],
    });
    expect(pick({}, {})).toEqual({ chosen: null, ambiguous: false, warnings: [] });
  });
});

describe('edges that decide between right and wrong', () => {
  const g = (key: string, amount: string, product: Candidate['product'] = {}, o: Partial<Candidate> = {}) =>
    c({ productKey: key, amount, product, ...o });

  it('a URL with trailing slashes, or one that cannot be parsed, is read safely', () => {
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { url: '/p/widget-pro-wp1234//' })] }).chosen).toMatchObject({
      amount: '70',
    });
    expect(
      pick({ 'json-ld': [g('a', '50', { url: 'http://[broken' }), g('b', '70', {}, { main: true })] }).chosen,
    ).toMatchObject({ amount: '70' });
  });

  it('no name never matches, whatever the title; a short exact name does', () => {
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Cable' })] })).toMatchObject({
      chosen: null,
      ambiguous: true,
    });
    const noTitle = { url: ctx.url };
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Cable' })] }, {}, {}, noTitle).chosen).toBeNull();
    expect(
      pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'DRILL' })] }, {}, {}, { ...ctx, title: 'Drill' }).chosen,
    ).toMatchObject({
      amount: '70',
    });
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Widget -- Pro' })] }).chosen).toMatchObject({
      amount: '70',
    });
  });

  it('a name or title of eight characters is too short to match inside the other', () => {
    const t = { ...ctx, title: 'Widget X Pro' };
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Widget X' })] }, {}, {}, t).chosen).toBeNull();
    const t8 = { ...ctx, title: 'Widget X' };
    expect(pick({ 'json-ld': [g('a', '50'), g('b', '70', { name: 'Widget X Pro' })] }, {}, {}, t8).chosen).toBeNull();
  });

  it('the same amount in two currencies is two prices', () => {
    expect(pick({ 'json-ld': [c({ amount: '100' }), c({ amount: '100', currency: 'EUR' })] })).toMatchObject({
      chosen: null,
      ambiguous: true,
    });
  });

  it("the matching product's own several prices are still settled, not given up", () => {
    const r = pick({
      'json-ld': [g('a', '50'), g('b', '70', { url: ctx.url }), g('b', '80', { url: ctx.url })],
      meta: [c({ source: 'meta', amount: '80' })],
    });
    expect(r.chosen).toMatchObject({ amount: '80', source: 'json-ld' });
  });

  it("the site's currency matching none of the prices leaves them all in play", () => {
    const r = pick(
      { 'json-ld': [c({ amount: '100', currency: 'EUR' }), c({ amount: '120', currency: 'EUR' })] },
      {},
      {},
      {
        ...ctx,
        siteCurrency: 'USD',
      },
    );
    expect(r).toMatchObject({ chosen: null, ambiguous: true });
  });

  it('one confirming witness is enough even when another names a third price', () => {
    const r = pick(
      { 'json-ld': [c({ amount: '100' }), c({ amount: '120' })], meta: [c({ source: 'meta', amount: '120' })] },
      { chosen: tc({ amount: '999' }) },
    );
    expect(r.chosen).toMatchObject({ amount: '120' });
  });

  it('availability settles even when only one offer states it, and only among the prices still in play', () => {
    expect(
      pick({ 'json-ld': [c({ amount: '100' }), c({ amount: '120', availability: 'in_stock' })] }).chosen,
    ).toMatchObject({
      amount: '120',
    });
    const r = pick(
      {
        'json-ld': [
          c({ amount: '90', currency: 'EUR', availability: 'in_stock' }),
          c({ amount: '100', availability: 'out_of_stock' }),
          c({ amount: '120', availability: 'in_stock' }),
        ],
      },
      {},
      {},
      { ...ctx, siteCurrency: 'USD' },
    );
    expect(r.chosen).toMatchObject({ amount: '120', currency: 'USD' });
    const none = pick({
      'json-ld': [
        c({ amount: '100', availability: 'out_of_stock' }),
        c({ amount: '120', availability: 'out_of_stock' }),
      ],
    });
    expect(none).toMatchObject({ chosen: null, ambiguous: true });
  });

  it('a used or list-only offer that is not a selling price leaves the decision to the next source', () => {
    const t = tc({ amount: '99' });
    expect(pick({ 'json-ld': [c({ role: 'list', condition: 'used' })] }, { chosen: t }).chosen).toBe(t);
    expect(pick({ 'json-ld': [c({ related: true, condition: 'used' })] }, { chosen: t }).chosen).toBe(t);
  });

  it('names the condition of the used offer, not of a list price beside it', () => {
    expect(pick({ 'json-ld': [c({ role: 'list', amount: '150' }), c({ condition: 'refurbished' })] }).warnings).toEqual(
      ['json-ld: only refurbished offers, which are never the primary price'],
    );
    expect(pick({ 'json-ld': [c({ role: 'list', condition: 'new' }), c({ condition: 'used' })] }).warnings).toEqual([
      'json-ld: only used offers, which are never the primary price',
    ]);
  });

  it('a later source that also names the chosen price among others agrees; one naming only others is listed', () => {
    const agree = pick({
      'json-ld': [c({ amount: '100' })],
      microdata: [c({ source: 'microdata', amount: '100' }), c({ source: 'microdata', amount: '90' })],
    });
    expect(agree).toMatchObject({ chosen: { amount: '100' }, ambiguous: false });
    const other = pick({
      'json-ld': [c({ amount: '100' })],
      microdata: [
        c({ source: 'microdata', amount: '90' }),
        c({ source: 'microdata', amount: '80', availability: 'in_stock' }),
      ],
    });
    expect(other.warnings).toEqual(['json-ld says 100 USD but microdata says 90 USD, 80 USD']);
  });

  it('a range with no upper end settles on a visible price at its amount', () => {
    const t = tc({ amount: '100' });
    const r = pick({ 'json-ld': [c({ role: 'range', amount: '100' })] }, { chosen: t });
    expect(r).toMatchObject({ chosen: t, ambiguous: false });
    expect(r.warnings).toEqual(['json-ld: price range 100–?; the visible price 100 USD is inside it']);
  });
});

describe('the markup witness that lets structured data skip the visible text', () => {
  it('reads a printed number as a whole, in either decimal convention', () => {
    expect(printsAmount('$1,349.99', '1349.99')).toBe(true);
    expect(printsAmount('1.349,99 €', '1349.99')).toBe(true);
    expect(printsAmount('Now 235.99 USD', '235.99')).toBe(true);
    expect(printsAmount('$1,349', '1349')).toBe(true);
    expect(printsAmount('$1235.99', '235.99')).toBe(false); // part of a longer number
    expect(printsAmount('$235.90', '235.99')).toBe(false);
  });

  it('extraction skips the text only when a price element shows the structured price', () => {
    const ld = (price: string) =>
      `<script type="application/ld+json">{"@type":"Product","name":"Widget","offers":{"@type":"Offer","price":"${price}","priceCurrency":"USD"}}</script>`;
    const page = (price: string, shown: string) =>
      `<html><head>${ld(price)}</head><body><h1>Widget</h1><div class="product-price">$${shown}</div></body></html>`;
    const shown = extractOffers(page('99.00', '99.00'), { url: 'https://shop.example/w' });
    expect(Number(shown.primary?.amount)).toBe(99);
    expect(shown.offers.map((o) => o.source)).toEqual(['json-ld']); // the text was not read
    const other = extractOffers(page('99.00', '89.00'), { url: 'https://shop.example/w' });
    expect(Number(other.primary?.amount)).toBe(99); // as before: the text only warns
    expect(other.offers.map((o) => o.source)).toContain('text');
    expect(other.warnings.join(' ')).toContain('visible text shows 89 USD');
  });
});
