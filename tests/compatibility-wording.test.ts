/**
 * "Compatible with" wording is read from the document the read already parsed (issue 15: a second
 * parse5 parse of the page, to remove its scripts, cost about 7 times the read's own parse on the
 * real pages that carry one of the phrases' first words, nearly all of them):
 * - the same sentences as before, scripts, styles, noscript and head left out, the document intact;
 * - a read the site's learned locator agreed with keeps its document through the check's page-text
 *   steps, and lets it go before it is recorded (releaseUnlessLearning).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { compatibilitySentences } from '../src/extract/compatibility-wording.js';
import { parseHtml } from '../src/extract/parse-html.js';
import { keepParsed, parsedPage } from '../src/extract/parsed-page.js';
import { crossCheckLocator, releaseUnlessLearning } from '../src/learn/learn-price-locator.js';
import type { ObservationDraft } from '../src/types.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCatalog } from './support/queue.js';

const PAGE = `<!doctype html><html><head><title>Compatible with NW-F1 (title)</title>
<script>var s = "x".replace("a", "b"); // works with NW-F2</script><style>.fits{}</style></head>
<body><h1>Filter</h1><noscript>Compatible with NW-F3 without script.</noscript>
<p>Great value. Compatible with <b>Northwind</b> NW-F100 housings! Ships fast.</p>
<script>document.title = "replacement for NW-F4.";</script>
<p>It fits   every X200.</p></body></html>`;

describe('compatibility sentences from the parsed document', () => {
  it('reads the body text only: scripts, styles, noscript and head are not page text', () => {
    const $ = parseHtml(PAGE);
    expect(compatibilitySentences(PAGE, $)).toEqual([
      'Compatible with Northwind NW-F100 housings!',
      'It fits every X200.',
    ]);
  });

  it('leaves the shared document as it was parsed', () => {
    const $ = parseHtml(PAGE);
    compatibilitySentences(PAGE, $);
    expect($('script').length).toBe(2);
    expect($('noscript').text()).toContain('NW-F3');
  });

  it('reads a document without a <body> (htmlparser2 adds none) from its top level, head left out', () => {
    const html = '<head><title>fits all</title></head><div>Works with NW-F9 trays. Other text.</div>';
    expect(compatibilitySentences(html, parseHtml(html))).toEqual(['Works with NW-F9 trays.']);
  });

  it('finds none on a page whose markup has none of the first words', () => {
    const html = '<body><p>Plain widget.</p></body>';
    expect(compatibilitySentences(html, parseHtml(html))).toEqual([]);
  });
});

const page = (price: string) =>
  `<!doctype html><html><head><title>W</title></head><body><main><h1>Widget</h1>
<div class="box"><span class="price-now">$${price}</span></div>
<p>Compatible with NW-F100.</p></main></body></html>`;

const draftOf = (price: string): ObservationDraft => {
  const html = page(price);
  const d = {
    capturedAt: new Date(),
    status: 'ok',
    reason: null,
    amountMinor: Math.round(Number(price) * 100),
    currency: 'USD',
    html,
    httpStatus: 200,
    finalUrl: 'http://shop.test/p',
    contentSha256: 'ab'.repeat(32),
    retryable: false,
  } as ObservationDraft;
  keepParsed(d, html, parseHtml(html));
  return d;
};

describe.each(BACKENDS)('the parsed document of a read the locator agreed with (%s)', (backend) => {
  let h: DbHandle;
  let siteId = 0;

  beforeAll(async () => {
    h = await openTestDb(backend);
    await seedCatalog(h, ['W']);
    const reseller = await h.db.selectFrom('resellers').select('id').executeTakeFirstOrThrow();
    ({ id: siteId } = await h.db
      .insertInto('sites')
      .values({ name: 'agreeing', reseller_id: reseller.id, domain: 'agreeing.test', config_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow());
    await h.db
      .insertInto('price_locators')
      .values({
        site_id: siteId,
        selector: '.price-now',
        verified_listings: 3,
        learned_at: new Date(),
        last_matched_at: new Date(),
        misses: 0,
      })
      .execute();
  });
  afterAll(() => h?.close());

  it('is kept through the page-text steps after agreement, and let go before the record', async () => {
    const draft = draftOf('120.00');
    const kept = parsedPage(draft, draft.html!);
    const checked = await crossCheckLocator(h.db, { siteId, draft });
    expect(checked).toBe(draft);
    expect(parsedPage(draft, draft.html!)).toBe(kept); // the grey-market step reads this one, not a new parse
    expect(compatibilitySentences(draft.html!, parsedPage(draft, draft.html!))).toEqual([
      'Widget $120.00 Compatible with NW-F100.',
    ]);
    releaseUnlessLearning(draft);
    expect(parsedPage(draft, draft.html!)).not.toBe(kept);
  });

  it('is kept for learning when the locator did not agree', async () => {
    // The locator's element shows another amount than the model read: the read becomes ambiguous.
    const draft = draftOf('120.00');
    const kept = parsedPage(draft, draft.html!);
    const other = { ...draft, amountMinor: 9900 };
    keepParsed(other, other.html!, kept);
    const checked = await crossCheckLocator(h.db, { siteId, draft: other });
    expect(checked.status).not.toBe('ok');
    releaseUnlessLearning(other);
    expect(parsedPage(other, other.html!)).toBe(kept);
  });
});
