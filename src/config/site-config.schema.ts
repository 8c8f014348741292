/**
 * The site config: one YAML file per reseller site in `crawlers/`.
 * This zod schema is the single source of truth; `mapwatch sites schema`
 * writes the JSON Schema for editors from it.
 */
import { z } from 'zod';
import { MAX_PACK_SIZE } from '../catalog/csv-fields.js';
import { isCurrencyCode } from '../normalize/currency.js';
import { cronProblem } from './cron-schedule.js';
import { cssSelectorProblem } from './css-selector.js';

const currency = z
  .string()
  .transform((s) => s.toUpperCase())
  .refine(isCurrencyCode, { message: 'must be an ISO 4217 currency code such as USD or EUR' });

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' });

/** A selector the extractor runs with cheerio: checked with that engine when the config loads. */
const extractorSelector = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    const problem = cssSelectorProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const selectorsSchema = z
  .strictObject({
    price: extractorSelector.optional().describe('CSS selector of the element whose text is the price'),
    sku: extractorSelector.optional(),
    availability: extractorSelector.optional(),
    seller: extractorSelector.optional(),
  })
  .describe('Optional CSS selectors. Sites with JSON-LD, microdata or product meta tags need none.');

export const listingSchema = z.strictObject({
  sku: z.string().min(1).describe('Product SKU, as imported with `mapwatch import products`'),
  url: httpUrl,
  pack_size: z
    .number()
    .int()
    .positive()
    .max(MAX_PACK_SIZE)
    .optional()
    .describe('Units sold under this URL (a 2-pack is 2)'),
});

/**
 * A saved copy of one of the site's product pages with the price a person reads on it:
 * `mapwatch sites check` reads it with this config, so an edit (a selector, the currency) that
 * breaks the site's reads fails there, before a crawl runs on it.
 */
export const savedPageSchema = z.strictObject({
  file: z
    .string()
    .regex(/\.html?(\.gz)?$/i, 'a saved page: a .html or .htm file (optionally gzipped, .html.gz)')
    .describe('the saved page, relative to this config file'),
  url: httpUrl.optional().describe("the page's address (default: https://DOMAIN/), for relative links and the domain"),
  expect: z
    .strictObject({
      price: z
        .union([z.string(), z.number()])
        .transform((v) => String(v).trim())
        .refine((v) => /^\d+(\.\d+)?$/.test(v), { message: 'a decimal amount such as "89.00"' })
        .nullable()
        .describe('the price the page shows, e.g. "89.00"; null when the page must give no price'),
      currency: currency.optional().describe("ISO 4217 code (default: the site's currency)"),
    })
    .describe('what a read of this page must give'),
});

const stepTimeout = z
  .number()
  .int()
  .min(100)
  .max(120_000)
  .optional()
  .describe('deadline of this step in ms (default: browser.step_timeout_ms)');
const cssSelector = z.string().min(1);
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as SHOP_PASSWORD');

/** One declarative browser step; exactly one action key per step. */
export const browserStepSchema = z.union([
  z.strictObject({ click: cssSelector.describe('click the element'), timeout_ms: stepTimeout }),
  z.strictObject({
    select: cssSelector.describe('a <select> element (variant, size, colour)'),
    option: z.string().min(1).describe('option value or visible label to choose'),
    timeout_ms: stepTimeout,
  }),
  z.strictObject({
    fill: cssSelector.describe('an input to type into'),
    value: z.string().optional().describe('literal text (never a secret: use value_env)'),
    value_env: envName.optional().describe('environment variable holding the text (credentials)'),
    timeout_ms: stepTimeout,
  }),
  z.strictObject({ wait_for: cssSelector.describe('wait until the element is visible'), timeout_ms: stepTimeout }),
  z.strictObject({ wait_for_network_idle: z.literal(true), timeout_ms: stepTimeout }),
  z.strictObject({
    add_to_cart: cssSelector.describe('the add-to-cart button; waits for the network to settle'),
    timeout_ms: stepTimeout,
  }),
  z.strictObject({
    open_cart: z.string().min(1).describe('cart URL (absolute, or relative to the page) whose price is then read'),
    timeout_ms: stepTimeout,
  }),
]);

export const browserSchema = z
  .strictObject({
    steps: z
      .array(browserStepSchema)
      .default([])
      .describe('run after the product page loads, before the price is read'),
    login: z
      .strictObject({
        url: httpUrl.describe('login page'),
        steps: z
          .array(browserStepSchema)
          .min(1)
          .describe('fill steps must use value_env: credentials never go in this file'),
      })
      .optional(),
    fallback: z
      .boolean()
      .default(false)
      .describe('render static-site pages in the browser when the static read finds no price'),
    layout_fallback: z
      .boolean()
      .default(false)
      .describe(
        'when the static read abstains on tied visible prices, lay the same HTML out in Chromium (scripts and network off) and settle it on clear layout evidence',
      ),
    step_timeout_ms: z.number().int().min(100).max(120_000).default(15_000),
    navigation_timeout_ms: z.number().int().min(1000).max(180_000).default(30_000),
  })
  .superRefine((b, ctx) => {
    for (const [i, st] of (b.login?.steps ?? []).entries()) {
      if ('fill' in st && st.value !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['login', 'steps', i, 'value'],
          message: 'login credentials must come from value_env, never from the config file',
        });
      }
    }
    for (const [i, st] of [...b.steps, ...(b.login?.steps ?? [])].entries()) {
      if ('fill' in st && (st.value === undefined) === (st.value_env === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i],
          message: 'a fill step needs exactly one of value or value_env',
        });
      }
    }
  })
  .describe('Browser rendering (render: browser, or the static fallback): scripted steps and login');

/**
 * Discovery (src/discover/): where to find the site's product pages besides `listings`. An
 * empty section (`discover: {}`) reads the sitemaps robots.txt names, then /sitemap.xml.
 * Found pages are read and matched to the catalog; confident matches become listings.
 */
export const discoverSchema = z
  .strictObject({
    sitemaps: z
      .array(httpUrl)
      .optional()
      .describe(
        'sitemap or sitemap-index URLs (.xml or .xml.gz); default: robots.txt Sitemap: lines, then /sitemap.xml',
      ),
    base_url: httpUrl
      .optional()
      .describe("the site's origin for robots.txt, /sitemap.xml, /products.json and search (default: https://DOMAIN)"),
    shopify: z.boolean().default(false).describe('also read the Shopify catalog at /products.json (paged)'),
    feeds: z
      .array(
        z.strictObject({
          url: httpUrl,
          format: z
            .enum(['google-xml', 'csv'])
            .describe('Google Merchant XML (RSS/Atom with g: fields) or CSV with a link column'),
        }),
      )
      .default([])
      .describe('product feeds the reseller publishes'),
    search: z
      .string()
      .regex(/\{(gtin|mpn|name)\}/, 'a URL template with {gtin}, {mpn} or {name}, e.g. /search?q={gtin}')
      .optional()
      .describe("the site's search URL: each catalog product is searched and the product links on the result read"),
    url_pattern: z
      .string()
      .min(1)
      .superRefine((s, ctx) => {
        try {
          new RegExp(s);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
        }
      })
      .optional()
      .describe('only URLs matching this regular expression are product pages (default: every URL found)'),
    max_pages: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(500)
      .describe('pages read per run; the rest wait for the next run (discovery resumes where it stopped)'),
    schedule: z
      .string()
      .superRefine((s, ctx) => {
        const problem = cronProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('0 2 * * *')
      .describe('cron expression of the discovery job (its own schedule, apart from the price crawl)'),
    review_below: z
      .number()
      .min(0.5)
      .max(1)
      .default(0.95)
      .describe('matches less confident than this wait for review (`mapwatch listings review`)'),
  })
  .describe('find product pages by sitemap, Shopify products.json, product feeds and site search');

export const siteConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ - only')
      .optional()
      .describe('Site name used by `--site`; defaults to the file name'),
    reseller: z.string().min(1).describe('Reseller name, as imported with `mapwatch import resellers`'),
    domain: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/i, 'a host name such as shop.example.com (optionally :port)'),
    render: z.enum(['static', 'browser']).default('static'),
    currency: currency.describe('Currency assumed when a page gives a bare amount or an ambiguous symbol'),
    locale: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 locale such as en-US or de-DE')
      .default('en-US'),
    vat: z
      .strictObject({
        included: z.boolean().describe('Whether advertised prices include VAT'),
        rate: z.number().min(0).max(100).describe('VAT rate in percent, e.g. 20'),
      })
      .optional(),
    selectors: selectorsSchema.optional(),
    listings: z.array(listingSchema).default([]),
    listings_csv: z
      .string()
      .min(1)
      .optional()
      .describe('CSV file of listings (columns sku,url[,pack_size]), relative to this config file'),
    rate_limit: z
      .strictObject({
        concurrency: z.number().int().min(1).max(16).default(1),
        // setTimeout cannot wait longer than 2^31-1 ms; an hour between reads is already extreme.
        delay_ms: z.number().int().min(0).max(3_600_000).default(2000),
      })
      .default({ concurrency: 1, delay_ms: 2000 }),
    headers: z.record(z.string(), z.string()).default({}),
    user_agent: z.string().min(1).optional(),
    respect_robots: z.boolean().default(true),
    schedule: z
      .string()
      .superRefine((s, ctx) => {
        const problem = cronProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('0 */6 * * *')
      .describe('cron expression (5 or 6 fields)'),
    browser: browserSchema.optional(),
    recheck: z
      .strictObject({
        delay_ms: z.number().int().min(0).max(600_000).default(5000).describe('wait before the confirming second read'),
      })
      .default({ delay_ms: 5000 })
      .describe('a suspected violation is read a second time before a case opens or escalates'),
    evasion_phrases: z
      .array(z.string().min(3))
      .optional()
      .describe('phrases that hide the price ("see price in cart"); replaces the built-in list'),
    tests: z
      .array(savedPageSchema)
      .default([])
      .describe(
        'saved product pages with their expected price; `mapwatch sites check` reads each one with this config',
      ),
    discover: discoverSchema.optional(),
    authorized_sellers: z
      .array(z.string().trim().min(1))
      .min(1)
      .optional()
      .describe(
        'marketplace sites: seller names allowed to sell the product here; an offer on the page from any other named seller is recorded as an unauthorized_seller finding',
      ),
  })
  .superRefine((cfg, ctx) => {
    for (const [i, l] of cfg.listings.entries()) {
      let host: string;
      try {
        host = new URL(l.url).host.toLowerCase();
      } catch {
        continue; // reported by the url validator
      }
      if (host !== cfg.domain.toLowerCase() && !host.endsWith('.' + cfg.domain.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['listings', i, 'url'],
          message: `host "${host}" is not on the site's domain "${cfg.domain}"`,
        });
      }
    }
  });

export type SiteConfigInput = z.input<typeof siteConfigSchema>;
export type SiteConfig = z.output<typeof siteConfigSchema>;
export type SiteSelectors = z.output<typeof selectorsSchema>;
export type BrowserStep = z.output<typeof browserStepSchema>;
export type BrowserConfig = z.output<typeof browserSchema>;
export type SavedPage = z.output<typeof savedPageSchema>;
export type DiscoverConfig = z.output<typeof discoverSchema>;
