/**
 * The demo catalog: what the OEM (Northwind Audio) sells, its MAP table, and the
 * resellers whose storefronts the demo serves. Prices on each storefront are chosen
 * so the demo shows every verdict a pricing manager meets in real life.
 */
export interface DemoProduct {
  sku: string;
  handle: string;
  name: string;
  gtin: string;
  mapUsd: string;
  listUsd: string;
}

export const DEMO_PRODUCTS: DemoProduct[] = [
  {
    sku: 'NW-HP100',
    handle: 'hp-100-wireless-headphones',
    name: 'Northwind HP-100 Wireless Headphones',
    gtin: '0850012345015',
    mapUsd: '199.00',
    listUsd: '229.00',
  },
  {
    sku: 'NW-SPK20',
    handle: 'spk-20-bookshelf-speakers',
    name: 'Northwind SPK-20 Bookshelf Speakers (pair)',
    gtin: '0850012345022',
    mapUsd: '349.00',
    listUsd: '399.00',
  },
  {
    sku: 'NW-AMP5',
    handle: 'amp-5-integrated-amplifier',
    name: 'Northwind AMP-5 Integrated Amplifier',
    gtin: '0850012345039',
    mapUsd: '899.00',
    listUsd: '999.00',
  },
  {
    sku: 'NW-SUB8',
    handle: 'sub-8-subwoofer',
    name: 'Northwind SUB-8 Powered Subwoofer',
    gtin: '0850012345046',
    mapUsd: '499.00',
    listUsd: '549.00',
  },
  {
    sku: 'NW-DAC1',
    handle: 'dac-1-usb-dac',
    name: 'Northwind DAC-1 USB DAC',
    gtin: '0850012345053',
    mapUsd: '149.00',
    listUsd: '169.00',
  },
];

export const DEMO_EUR_MAP: Record<string, string> = { 'NW-HP100': '189.00', 'NW-SPK20': '329.00' };

export function productsCsv(): string {
  return (
    'sku,name,brand,gtin,mpn,pack_size\n' +
    DEMO_PRODUCTS.map((p) => `${p.sku},"${p.name}",Northwind,${p.gtin},${p.sku},1`).join('\n') +
    '\n'
  );
}

export function mapPricesCsv(): string {
  const usd = DEMO_PRODUCTS.map((p) => `${p.sku},USD,${p.mapUsd},${p.listUsd},2025-01-01,`);
  const eur = Object.entries(DEMO_EUR_MAP).map(([sku, map]) => `${sku},EUR,${map},,2025-01-01,`);
  return 'sku,currency,map,list_price,effective_from,effective_to\n' + [...usd, ...eur].join('\n') + '\n';
}

/** A promo window around "now" in New York time, so the demo always has one in effect. */
export function promosCsv(now: Date): string {
  const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  return `sku,kind,percent_off,starts_at,ends_at,time_zone,note\nNW-AMP5,lower,10,${day(-1)}T00:00,${day(7)}T00:00,America/New_York,Holiday amplifier event\n`;
}

export const DEMO_RESELLERS = [
  { name: 'BrightBuy', tier: 'gold', region: 'US', email: 'pricing@brightbuy.example', authorized: true },
  { name: 'WooAudio', tier: 'silver', region: 'US', email: 'owner@wooaudio.example', authorized: true },
  { name: 'Magento HiFi', tier: 'gold', region: 'US', email: 'ecom@magentohifi.example', authorized: true },
  { name: 'SPA Sound', tier: 'silver', region: 'US', email: 'hello@spasound.example', authorized: true },
  { name: 'MegaMarket', tier: 'marketplace', region: 'US', email: 'brands@megamarket.example', authorized: true },
  { name: 'CartOnly Audio', tier: 'bronze', region: 'US', email: 'sales@cartonly.example', authorized: true },
  { name: 'KlangHaus GmbH', tier: 'silver', region: 'DE', email: 'preise@klanghaus.example', authorized: true },
  { name: 'Blocky Electronics', tier: 'bronze', region: 'US', email: 'web@blocky.example', authorized: true },
  { name: 'Shifty Sounds', tier: 'bronze', region: 'US', email: 'info@shifty.example', authorized: true },
];

export function resellersCsv(): string {
  return (
    'name,tier,region,contact_email,authorized\n' +
    DEMO_RESELLERS.map((r) => `${r.name},${r.tier},${r.region},${r.email},${r.authorized}`).join('\n') +
    '\n'
  );
}
