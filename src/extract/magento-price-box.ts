/**
 * Magento price boxes: `<div class="price-box" data-product-id="42">` holding
 * `<span data-price-type="finalPrice" data-price-amount="49.99">`. Every product tile on a
 * Magento page has one; the page's own product is the one its add-to-cart form posts
 * (`<input name="product" value="42">`), so only that box is read. Amounts are plain major units.
 */
import type { CheerioAPI } from 'cheerio';
import type { Element } from 'domhandler';
import type { DomIndex } from './dom-index.js';
import type { EmbeddedPrice } from './embedded-prices.js';
import { normalizeAmount } from './money.js';

function boxProductId(el: Element): string | undefined {
  for (let n: Element | null = el, i = 0; n && n.type === 'tag' && i < 12; n = n.parent as Element | null, i++) {
    const id = n.attribs['data-product-id'];
    if (id) return id;
  }
  return undefined;
}

export function magentoPrices($: CheerioAPI, idx: DomIndex): EmbeddedPrice[] {
  const boxes = idx.priceEls.filter((el) => el.attribs['data-price-amount'] !== undefined);
  if (boxes.length === 0) return [];
  const formIds = new Set(
    $('form[action*="checkout/cart/add"] input[name="product"], form#product_addtocart_form input[name="product"]')
      .map((_, el) => el.attribs['value'])
      .get()
      .filter((v): v is string => !!v),
  );
  if (formIds.size !== 1) return [];
  const out: EmbeddedPrice[] = [];
  for (const el of boxes) {
    const type = el.attribs['data-price-type'];
    const role = type === 'finalPrice' ? 'price' : type === 'oldPrice' ? 'list' : null;
    const id = boxProductId(el);
    if (!role || !id || !formIds.has(id)) continue;
    const amount = normalizeAmount(el.attribs['data-price-amount']);
    if (amount === null) continue;
    out.push({
      kind: 'magento-price-box',
      amount,
      currency: null,
      role,
      product: {},
      productKey: `magento:${id}`,
      knownUnits: true,
      pageProduct: true,
    });
  }
  return out;
}
