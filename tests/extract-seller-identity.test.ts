/**
 * Seller identity on marketplace pages (issue 16): the seller's name, marketplace id and
 * storefront URL from schema.org (JSON-LD and microdata) and from "Sold by <a href>" links,
 * and the offers of an "other sellers" block. Rules true of storefronts in general; local pages.
 */
import { describe, expect, it } from 'vitest';
import { extractOffers } from '../src/extract/extract-offers.js';

const URL_ = 'https://market.example/dp/B01';
const sellersOf = (html: string) =>
  extractOffers(html, { url: URL_, site: { currency: 'USD' } }).offers.map((o) => ({
    seller: o.seller,
    sellerId: o.sellerId,
    sellerUrl: o.sellerUrl,
    amount: o.amount,
    condition: o.condition,
  }));

describe('seller identity', () => {
  it('reads a microdata seller Organization with its url and identifier', () => {
    const html = `<html><body><div itemscope itemtype="https://schema.org/Product">
      <h1 itemprop="name">Headphones</h1>
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <meta itemprop="priceCurrency" content="USD"><span itemprop="price" content="99.00">$99.00</span>
        <div itemprop="seller" itemscope itemtype="https://schema.org/Organization">
          <a itemprop="url" href="/shops/audio-hut"><span itemprop="name">Audio Hut</span></a>
          <meta itemprop="identifier" content="AH-12">
        </div>
      </div></div></body></html>`;
    expect(sellersOf(html)).toContainEqual(
      expect.objectContaining({
        seller: 'Audio Hut',
        sellerId: 'AH-12',
        sellerUrl: 'https://market.example/shops/audio-hut',
        amount: '99',
      }),
    );
  });

  it('fills a named seller’s storefront from its "Sold by" link, whatever the link’s path', () => {
    const html = `<html><head><script type="application/ld+json">${JSON.stringify({
      '@type': 'Product',
      name: 'Headphones',
      offers: { '@type': 'Offer', price: '99.00', priceCurrency: 'USD', seller: 'Audio Hut' },
    })}</script></head><body><h1>Headphones</h1><p>$99.00 · Ships from and sold by
      <a href="/merchant-profile/audio-hut-77">Audio Hut</a></p></body></html>`;
    expect(sellersOf(html)[0]).toMatchObject({
      seller: 'Audio Hut',
      sellerUrl: 'https://market.example/merchant-profile/audio-hut-77',
    });
  });

  it('leaves the storefront out when one name links two storefronts', () => {
    const html = `<html><head><script type="application/ld+json">${JSON.stringify({
      '@type': 'Product',
      name: 'Headphones',
      offers: { '@type': 'Offer', price: '99.00', priceCurrency: 'USD', seller: 'Audio Hut' },
    })}</script></head><body><h1>Headphones</h1>
      <p>Sold by <a href="/seller/A1">Audio Hut</a></p><p>Sold by <a href="/seller/B2">Audio Hut</a></p></body></html>`;
    expect(sellersOf(html)[0]!.sellerUrl).toBeUndefined();
  });

  it('reads an "other sellers" table: one seller link and one price per row, nothing else', () => {
    const html = `<html><head><script type="application/ld+json">${JSON.stringify({
      '@type': 'Product',
      name: 'Headphones',
      offers: { '@type': 'Offer', price: '99.00', priceCurrency: 'USD' },
    })}</script></head><body><h1>Headphones</h1><div class="buy"><span class="price">$99.00</span></div>
      <table class="other-offers">
        <tr><td class="offer-price">$97.50</td><td>Condition: New</td><td><a href="/seller/S1">Sound Shack</a></td></tr>
        <tr><td class="offer-price">$60.00</td><td>Condition: Refurbished</td><td><a href="/seller/S2">Fix It</a></td></tr>
        <tr><td>$90.00</td><td>+ $9.00 delivery</td><td><a href="/seller/S3">Mystery</a></td></tr>
      </table>
      <section class="recommended-for-you"><div><span class="price">$5.00</span> <a href="/seller/X1">Cable Co</a></div>
        <div><span class="price">$6.00</span> <a href="/seller/X2">Plug Co</a></div></section>
    </body></html>`;
    const rows = sellersOf(html).filter((o) => o.seller);
    expect(rows).toEqual([
      {
        seller: 'Sound Shack',
        sellerId: undefined,
        sellerUrl: 'https://market.example/seller/S1',
        amount: '97.5',
        condition: 'new',
      },
      {
        seller: 'Fix It',
        sellerId: undefined,
        sellerUrl: 'https://market.example/seller/S2',
        amount: '60',
        condition: 'refurbished',
      },
    ]);
  });
});
