/**
 * The scored model for visible prices (issue 11, item 3): one synthetic page per feature, and the
 * margin-or-abstain rule. Every page has no structured data, so the visible text decides alone.
 */
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';
import { MARGIN, WEIGHTS } from '../src/extract/visible-text.js';

const read = (body: string) =>
  extractOffers(`<!doctype html><html><head><title>Widget Pro</title></head><body>${body}</body></html>`, {
    url: 'https://shop.example.com/p/widget-pro',
    site: { currency: 'USD' },
  });

describe('visible price model', () => {
  it('every weight is written down and the margin is positive', () => {
    expect(MARGIN).toBeGreaterThan(0);
    expect(WEIGHTS.level).toBeLessThan(0);
    expect(WEIGHTS.repeated).toBeLessThan(0);
    expect(WEIGHTS.sale).toBeGreaterThanOrEqual(MARGIN);
  });

  it('two unmarked prices at the same distance from the title: abstain, with the scores', () => {
    const r = read('<div><h1>Widget Pro</h1><span class="price">$49.99</span> <span class="price">$59.99</span></div>');
    expect(r.primary).toBeNull();
    expect(r.ambiguous).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/does not clear the margin/);
  });

  it('the price marked as the sale / current price wins over a plain one beside it', () => {
    const r = read(
      '<div><h1>Widget Pro</h1><span class="price">$59.99</span> <span class="price sale-price">$49.99</span></div>',
    );
    expect(r.primary).toMatchObject({ amount: '49.99' });
  });

  it('the price by the add-to-cart button wins over one further from it', () => {
    const r = read(
      '<div><h1>Widget Pro</h1>' +
        '<div><div><div><div><span class="price">$39.99</span></div></div></div></div>' +
        '<form><span class="price">$49.99</span><button>Add to cart</button></form></div>',
    );
    expect(r.primary).toMatchObject({ amount: '49.99' });
  });

  it('a price made large and red by inline style alone beats a plain one only with another feature', () => {
    // prominence alone (0.5) is below the margin: abstain
    const alone = read(
      '<div><h1>Widget Pro</h1><span class="price" style="font-size:24px;color:#c00">$49.99</span> <span class="price">$59.99</span></div>',
    );
    expect(alone.primary).toBeNull();
    // with itemprop=price on it (0.5 more) it clears the margin
    const both = read(
      '<div><h1>Widget Pro</h1><span class="price" itemprop="price" style="font-weight:bold;font-size:22px">$49.99</span> <span class="price">$59.99</span></div>',
    );
    expect(both.primary).toMatchObject({ amount: '49.99' });
  });

  it('a price repeated in a list of items (variants, other products) loses to the lone one', () => {
    const r = read(
      '<div><h1>Widget Pro</h1><span class="price">$49.99</span>' +
        '<ul><li><span class="price">$19.99</span></li><li><span class="price">$29.99</span></li><li><span class="price">$39.99</span></li></ul></div>',
    );
    expect(r.primary).toMatchObject({ amount: '49.99' });
  });

  it('a "from" price is weaker than the plain price beside it', () => {
    const r = read(
      '<div><h1>Widget Pro</h1>From <span class="price">$39.99</span> <span class="price">$49.99</span></div>',
    );
    expect(r.primary).toMatchObject({ amount: '49.99' });
  });

  it('a nearer price beats a further one by one level; two levels of doubt abstain', () => {
    const near = read(
      '<div><div><h1>Widget Pro</h1><span class="price">$49.99</span></div><span class="price">$59.99</span></div>',
    );
    expect(near.primary).toMatchObject({ amount: '49.99' });
    const sale = read(
      '<div><div><h1>Widget Pro</h1><span class="price">$49.99</span></div><span class="price sale">$59.99</span></div>',
    );
    // the further one is marked sale (+1.5) against one level (-1): still not a clear margin
    expect(sale.primary).toBeNull();
  });
});

describe('was / now / save blocks', () => {
  it('a saving that ties a former price to the current one picks the current one', () => {
    const r = read(
      '<div><h1>Widget Pro</h1><table class="a-lineitem">' +
        '<tr><td>Price:</td><td class="price-large">$25.99</td></tr>' +
        '<tr><td>With Deal:</td><td class="price-large">$20.39</td></tr>' +
        '<tr><td>You Save:</td><td class="price-savings">$5.60 (22%)</td></tr></table></div>',
    );
    expect(r.primary).toMatchObject({ amount: '20.39' });
  });

  it('abstains when the amounts do not add up, or the saving sits in another block', () => {
    const noSum = read(
      '<div><h1>Widget Pro</h1><table>' +
        '<tr><td>Price:</td><td class="price-large">$25.99</td></tr>' +
        '<tr><td>With Deal:</td><td class="price-large">$20.39</td></tr>' +
        '<tr><td>You Save:</td><td class="price-savings">$5.00</td></tr></table></div>',
    );
    expect(noSum.primary).toBeNull();
    // "save $10 when you buy two" far from two variant prices 10 apart ties nothing together
    const far = read(
      '<div><h1>Widget Pro</h1><span class="price">$59.99</span> <span class="price">$49.99</span></div>' +
        '<div><div><div><div><div><p>Buy two and save <span class="price">$10.00</span></p></div></div></div></div></div>',
    );
    expect(far.primary).toBeNull();
  });
});

describe('"customers also purchased" boxes', () => {
  it("are related products: their prices never compete with the page's own", () => {
    const r = extractOffers(
      '<html><head><title>Heaven Cigar 5 Pack</title></head><body><form><table><tr><td>' +
        '<div class="product-detail-price">Our price: £30.49</div><input type="submit" value="Add to Cart"></td></tr></table></form>' +
        '<table class="infoBox"><tr><td><div class="also-purchased-box"><div class="also-purchased-price">£7.99</div></div>' +
        '<div class="also-purchased-box"><div class="also-purchased-price">£6.99</div></div></td></tr></table></body></html>',
      { url: 'https://cigars.example.co.uk/heaven' },
    );
    expect(r.primary).toMatchObject({ amount: '30.49', currency: 'GBP' });
  });
});

describe('blocks of several amounts', () => {
  const brl = (body: string) =>
    extractOffers(`<html><head><title>Perfume Gold</title></head><body><h1>Perfume Gold</h1>${body}</body></html>`, {
      url: 'https://loja.example.com.br/perfume-gold/p',
    });

  it('a price-classed block whose parts are glued with no space is no single price: its parts are judged', () => {
    const r = brl(
      '<p class="price-description"><em>De <strong class="list-price">R$ 199,00</strong></em>' +
        '<em>Por <strong class="best-price">R$ 139,30</strong></em>' +
        '<em>ou <b>10</b>X de <strong class="installment-value">R$ 13,93</strong></em></p>',
    );
    expect(r.primary).toMatchObject({ amount: '139.3', currency: 'BRL' });
  });

  it('a price split over elements is still one amount', () => {
    expect(brl('<span class="price">R$<span>139</span>,<span>30</span></span>').primary).toMatchObject({
      amount: '139.3',
    });
  });

  it('"10x de R$ 13,93" is an instalment and "Economia de R$ 59,70" a saving, never the price', () => {
    const r = brl(
      '<div><span class="price">R$ 139,30</span></div><div>ou 10x de <span class="price">R$ 13,93</span></div>' +
        '<div>Economia de <span class="price">R$ 59,70</span></div>',
    );
    expect(r.primary).toMatchObject({ amount: '139.3' });
    const alone = brl('<div>ou 10x de <span class="price">R$ 13,93</span> sem juros</div>');
    expect(alone.primary).toBeNull();
  });
});

describe('optional add-ons', () => {
  it('a price in the label of a checkbox (an add-on, a protection plan) never competes with the product price', () => {
    const r = read(
      '<div><h1>Widget Pro</h1><form action="/cart/add"><span class="price sale-price">$499.00</span>' +
        '<div class="addon"><label><input type="checkbox" name="plan"> Add a 2-year protection plan for <span class="price sale-price">$59.00</span></label></div>' +
        '<label for="wrap">Gift wrap <span class="price sale-price">$5.00</span></label><input type="checkbox" id="wrap">' +
        '<button>Add to cart</button></form></div>',
    );
    expect(r.primary).toMatchObject({ amount: '499' });
  });

  it("radio buttons choose between the product's own options: their prices still compete", () => {
    const r = read(
      '<div><h1>Widget Pro</h1><form action="/cart/add">' +
        '<label><input type="radio" name="size"> Small <span class="price">$49.00</span></label>' +
        '<label><input type="radio" name="size"> Large <span class="price">$59.00</span></label><button>Add to cart</button></form></div>',
    );
    expect(r.primary).toBeNull();
  });
});
