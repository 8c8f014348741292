/**
 * Unmarked prices (src/extract/unclassed-prices.ts): pages with no structured data and no
 * price-classed element, where a reader finds the price by a "Price" label or in the add-to-cart
 * form. Each rule has a page that shows it and pages where it must abstain.
 */
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';

const read = (body: string, title = 'Copper Shade') =>
  extractOffers(`<!doctype html><html><head><title>${title} - Shop</title></head><body>${body}</body></html>`, {
    url: 'https://shop.example.co.uk/p/copper-shade',
  });

const price = (body: string, title?: string) => read(body, title).primary?.amount ?? null;

describe('a price after a "Price" label', () => {
  it('a table row labelled Price gives the amount in the next cell', () => {
    const r = read(
      '<table><tr><td><h1>Copper Shade</h1></td></tr><tr><td>Designer</td><td>Tom Dixon</td></tr>' +
        '<tr><td class="desc">Price</td><td class="desc"><strong>£340.00 (inc VAT)</strong></td></tr></table>',
    );
    expect(r.primary).toMatchObject({ amount: '340', currency: 'GBP', source: 'text' });
  });

  it('a bold "Price:" followed by the amount, with shipping after it: the price, never the shipping', () => {
    expect(
      price('<p><b>Designer:</b> Perriand</p><p><b>Price:</b>&nbsp;£60</p><p><b>Shipping:</b> £7 to mainland UK</p>'),
    ).toBe('60');
  });

  it('a label and amount in one text node, and a dt/dd pair, in other languages', () => {
    expect(price('<h1>Copper Shade</h1><p>Preis: 12,90 €</p>')).toBe('12.9');
    expect(price('<h1>Copper Shade</h1><dl><dt>Notre prix</dt><dd>24,50 €</dd></dl>')).toBe('24.5');
  });

  it('a struck old price inside the value is not part of it', () => {
    expect(
      price('<h1>Copper Shade</h1><table><tr><td>Price</td><td><del>£400.00</del> £340.00</td></tr></table>'),
    ).toBe('340');
  });

  it('abstains: a unit price, an instalment, a "from" price, zero, or no currency on the amount', () => {
    expect(price('<h1>Copper Shade</h1><p><b>Price:</b> £2.50 / kg</p>')).toBeNull();
    expect(price('<h1>Copper Shade</h1><p><b>Price:</b> £25 per month</p>')).toBeNull();
    expect(price('<h1>Copper Shade</h1><p><b>Price:</b> from £25</p>')).toBeNull();
    expect(price('<h1>Copper Shade</h1><p><b>Price:</b> £0.00</p>')).toBeNull();
    // a bare number after "Price" could be anything (a rank, a count): no read
    expect(price('<h1>Copper Shade</h1><p><b>Price:</b> 340</p>')).toBeNull();
  });

  it('labels that name other amounts are not price labels', () => {
    expect(price('<h1>Copper Shade</h1><p><b>Was price:</b> £400</p>')).toBeNull();
    expect(price('<h1>Copper Shade</h1><p><b>Unit price:</b> £4.00</p>')).toBeNull();
    expect(price('<h1>Copper Shade</h1><p><b>Price range:</b> £40</p>')).toBeNull();
  });

  it('related products labelled the same way: the related block is skipped; unmarked tiles abstain', () => {
    const related =
      '<h1>Copper Shade</h1><p><b>Price:</b> £340.00</p>' +
      '<div class="related-products"><div><b>Price:</b> £235.00</div><div><b>Price:</b> £375.00</div></div>';
    expect(price(related)).toBe('340');
    const tiles = '<div><b>Price:</b> £235.00</div><div><b>Price:</b> £340.00</div><div><b>Price:</b> £375.00</div>';
    const r = read(tiles, 'Lamps');
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/disagree: 235 GBP, 340 GBP, 375 GBP/);
  });

  it('never overrides a price the page marks: the label is only consulted when nothing is marked', () => {
    expect(price('<h1>Copper Shade</h1><span class="price">£299.00</span><p><b>Price:</b> £340.00</p>')).toBe('299');
  });
});

describe('the single amount in the add-to-cart form', () => {
  const form = (inner: string) =>
    `<div><h1>Copper Shade</h1><form action="/add-to-cart/" method="post">${inner}<button>Valider</button></form></div>`;

  it('the form that adds to cart shows one amount: that is the price', () => {
    const r = read(
      form(
        '<ul><li><label><div>Neuf</div><strong>22,50 €</strong></label></li><li><label><div>Occasion</div><strong>Non disponible</strong></label></li></ul>',
      ),
    );
    expect(r.primary).toMatchObject({ amount: '22.5', currency: 'EUR' });
  });

  it('an add-on offered by a checkbox in the form is not a second price', () => {
    expect(
      price(form('<strong>£30.00</strong><label><input type="checkbox" name="wrap"> Gift wrap for £4.00</label>')),
    ).toBe('30');
  });

  it('a free-delivery threshold in the form is not a second price', () => {
    expect(price(form('<p>Free delivery over £50</p><strong>£30.00</strong>'))).toBe('30');
  });

  it('abstains when the form shows two selling amounts (sizes, new and used)', () => {
    const r = read(form('<label>Small <strong>£30.00</strong></label><label>Large <strong>£45.00</strong></label>'));
    expect(r.primary).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/disagree/);
  });

  it('a form that wraps the whole page (as some frameworks do) is no buy form', () => {
    const filler = '<p>' + 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(30) + '</p>';
    expect(price(form(filler + '<strong>£30.00</strong>'))).toBeNull();
  });

  it('a form with no cart control (search, newsletter) is no buy form', () => {
    expect(
      price('<h1>Copper Shade</h1><form action="/search"><span>Under £50</span><button>Search</button></form>'),
    ).toBeNull();
  });

  it('tiles of other products, each with its own cart form: the form by the title wins, or none without a title', () => {
    const tile = (p: string) =>
      `<li><a href="/p/x">Other lamp</a><form action="/cart/add"><b>${p}</b><button>Add to cart</button></form></li>`;
    const page =
      `<div><h1>Copper Shade</h1><form action="/cart/add"><b>£340.00</b><button>Add to cart</button></form></div>` +
      `<ul>${tile('£235.00')}${tile('£375.00')}${tile('£445.00')}</ul>`;
    expect(price(page)).toBe('340');
    const noTitle = `<ul>${tile('£235.00')}${tile('£375.00')}${tile('£445.00')}</ul>`;
    expect(price(noTitle, 'Lamps')).toBeNull();
  });
});
