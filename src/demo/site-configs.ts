/**
 * The demo's site configs, as the YAML a user would write for each storefront: one file per
 * store in `<workspace>/crawlers/`. They are real configs, loaded by the normal loader, with
 * a comment saying what each store does and why the config looks the way it does. The
 * storefronts listen on ports chosen at start, so the files are written per run.
 */
import type { RunningStorefront } from './storefronts/serve-storefronts.js';

/** Short politeness and re-check waits, so the demo is quick; real sites keep the defaults. */
export const DEMO_RATE_LIMIT = { concurrency: 1, delay_ms: 200 };
export const DEMO_RECHECK_DELAY_MS = 400;
/** Never fires during a demo run: the demo sweeps by enqueuing `crawl-site` jobs itself. */
export const DEMO_SCHEDULE = '0 3 * * *';

interface StoreConfig {
  about: string;
  currency: string;
  extra?: string;
}

const PER_STORE: Record<string, StoreConfig> = {
  brightbuy: {
    about:
      'A Shopify-like store: the price comes from JSON-LD, so no selectors are needed.\n# Its DAC-1 page shows a one-off flash price on the first load only: the re-check must reject it.',
    currency: 'USD',
  },
  wooaudio: {
    about: 'A WooCommerce-like store: microdata, and a strike-through regular price beside the sale price.',
    currency: 'USD',
  },
  'magento-hifi': {
    about:
      'A Magento-like store: cheaper related products on the same page must not be read as the price.\n# Its AMP-5 price is below MAP but inside the promo window (catalog/promos.csv), so it is compliant.',
    currency: 'USD',
  },
  'spa-sound': {
    about: 'A single-page app: the HTML has no price; script loads it by XHR. Needs a browser.',
    currency: 'USD',
    extra: `render: browser
browser:
  steps:
    - { wait_for_network_idle: true }   # the price arrives by XHR after load
`,
  },
  megamarket: {
    about:
      'A marketplace listing: one buy box and offers from other sellers.\n# The buy box is the advertised price; any other named seller not listed below is recorded\n# as an unauthorized_seller finding, with its price and whether it is below MAP.',
    currency: 'USD',
    extra: `selectors:
  price: "#buybox .price"               # the buy box settles which JSON-LD offer is advertised
authorized_sellers:
  - MegaMarket Retail
  - Northwind Official Store
`,
  },
  cartonly: {
    about:
      'Hides its price until the cart ("see price in cart"): a MAP-evasion signal.\n# The browser adds the product to the cart and reads the cart price.',
    currency: 'USD',
    extra: `render: browser
selectors:
  price: ".line-price"
browser:
  steps:
    - { add_to_cart: "#add-to-cart" }
    - { open_cart: /cart }
`,
  },
  klanghaus: {
    about:
      'A German store: VAT-inclusive prices with a decimal comma ("219,00 €"), no structured data.\n# MAP is net of VAT, so 19 % is taken off before comparing.',
    currency: 'EUR',
    extra: `locale: de-DE
vat: { included: true, rate: 19 }
selectors:
  price: ".price-now"                    # the UVP (list price) beside it is struck through
`,
  },
  blocky: {
    about: 'Behind a bot wall: answers 429, then a captcha page. Recorded as blocked, never parsed.',
    currency: 'USD',
  },
  shifty: {
    about:
      'Ships a redesign partway through the demo: its structured data disappears,\n# so site health must notice and stop trusting it.',
    currency: 'USD',
  },
};

export function siteConfigYaml(r: RunningStorefront): string {
  const c = PER_STORE[r.store.id];
  if (!c) throw new Error(`no demo config for storefront ${r.store.id}`);
  // A discoverable store lists no pages: discovery reads the sitemap its robots.txt names.
  const listings = r.store.discoverable
    ? `discover:                             # no listings: the sitemap robots.txt names finds them
  base_url: "${r.origin}"
`
    : `listings:
${r.store.listings.map((l) => `  - { sku: ${l.sku}, url: "${r.origin}${l.path}" }`).join('\n')}
`;
  return `# ${r.store.reseller}: ${c.about}
reseller: ${JSON.stringify(r.store.reseller)}
domain: "${r.host}"
currency: ${c.currency}
schedule: "${DEMO_SCHEDULE}"
rate_limit: { concurrency: ${DEMO_RATE_LIMIT.concurrency}, delay_ms: ${DEMO_RATE_LIMIT.delay_ms} }
recheck: { delay_ms: ${DEMO_RECHECK_DELAY_MS} }
${c.extra ?? ''}${listings}`;
}
