/**
 * The check's read: one read of a listing with whatever the check needs for evidence
 * (static or browser, the browser fallback, the evasion signal). The re-check is this
 * read twice (recheck.ts).
 */
import type { LoadedSite } from '../config/load-sites.js';
import type { SyncedListing } from '../config/sync-sites.js';
import type { ReadCapture } from '../evidence/capture-evidence.js';
import { findEvasionPhrases } from '../fetch/browser/evasion.js';
import { type RenderResult, renderPage } from '../fetch/browser/render-page.js';
import { layoutStaticHtml } from '../fetch/browser/layout-static-html.js';
import { visibleText } from '../fetch/bot-wall.js';
import { type FetchResult, fetchPage } from '../fetch/fetch-page.js';
import { DEFAULT_USER_AGENT } from '../fetch/user-agent.js';
import type { ObservationDraft } from '../types.js';
import type { Fetcher, CheckContext } from './check-context.js';
import { failedReadDraft } from './contain-read-failure.js';
import type { Finding } from './findings.js';
import { markupAbstains, readListing } from './read-listing.js';

export type { Finding };

export interface ListingRead {
  draft: ObservationDraft;
  capture: ReadCapture | null;
  findings: Finding[];
  /**
   * The page as read when capture was not asked for (no screenshots, no recorded exchanges):
   * what a finding's evidence keeps when the read turns out to show an unauthorized seller
   * (record-finding-evidence.ts). It holds the fetch the draft was read from, nothing more.
   */
  seen?: ReadCapture;
}

export const NO_BROWSER_REASON =
  'no_browser: this site needs a browser (render: browser) and none is available; install Chromium (`npx playwright install chromium` or the distribution package) or set MAPWATCH_CHROMIUM';

/**
 * One read of the listing. `capture` asks for evidence: the browser then blocks nothing and
 * screenshots the page; a static page is screenshotted as it was fetched.
 */
export interface ReadForCheckOptions {
  site: LoadedSite;
  listing: Pick<SyncedListing, 'url'>;
  gtin: string | null;
  /** Keep what evidence needs (screenshots, exchanges) besides the draft. */
  capture: boolean;
}

export async function readForCheck(
  ctx: Pick<CheckContext, 'fetchOptions' | 'fetcher' | 'browser'>,
  opts: ReadForCheckOptions,
): Promise<ListingRead> {
  const { site, listing, gtin } = opts;
  const cfg = site.config;
  const userAgent = cfg.user_agent ?? ctx.fetchOptions.userAgent ?? DEFAULT_USER_AGENT;
  const browserRead = async (): Promise<ListingRead> => {
    if (!ctx.browser) return { draft: failedReadDraft(NO_BROWSER_REASON), capture: null, findings: [] };
    let rendered: RenderResult | undefined;
    const pool = ctx.browser;
    const fetcher: Fetcher = async (url, fo) => {
      rendered = await renderPage(pool, url, {
        mode: opts.capture ? 'capture' : 'extract',
        site: cfg,
        userAgent: fo.userAgent,
        headers: fo.headers,
        allowPrivate: fo.allowPrivate,
        gate: fo.gate,
        layoutWanted: (html, finalUrl) => markupAbstains(html, finalUrl, cfg),
      });
      return rendered.fetch;
    };
    // A browser read lays the page out with its real stylesheets; when the markup ties, the
    // layout facts of that very render settle it or the read still abstains.
    const layout = async () => {
      if (!rendered?.laidOut) throw new Error('the rendered page could not be annotated');
      return rendered.laidOut;
    };
    const draft = await readListing(site, listing, { gtin }, ctx.fetchOptions, fetcher, { layout });
    const r = rendered!;
    const phrases = findEvasionPhrases(r.pageText, cfg.evasion_phrases);
    const findings: Finding[] = phrases.length
      ? [
          {
            kind: 'map_evasion',
            detail: { phrases, revealed_by_steps: (cfg.browser?.steps.length ?? 0) > 0 && draft.status === 'ok' },
          },
        ]
      : [];
    const seen: ReadCapture = {
      render: 'browser',
      requestedUrl: listing.url,
      fetch: r.fetch,
      userAgent: r.userAgent,
      tls: r.tls,
      exchanges: r.exchanges,
    };
    if (opts.capture) return { draft, capture: { ...seen, page: r.capture }, findings };
    return { draft, capture: null, findings, seen: { ...seen, domOnly: true } };
  };

  if (cfg.render === 'browser') return browserRead();

  let fetched: FetchResult | undefined;
  const base = ctx.fetcher ?? fetchPage;
  const fetcher: Fetcher = async (url, fo) => (fetched = await base(url, fo));
  const pool = ctx.browser;
  const layout = cfg.browser?.layout_fallback && pool ? (html: string) => layoutStaticHtml(pool, html) : undefined;
  const draft = await readListing(site, listing, { gtin }, ctx.fetchOptions, fetcher, layout ? { layout } : {});
  // The fetch computed the page's visible text already (FetchResult.visibleText): reuse it.
  const textOf = (html: string) =>
    fetched?.body === html && fetched.visibleText !== undefined ? fetched.visibleText : visibleText(html);
  if (draft.status === 'no_price' && cfg.browser?.fallback && ctx.browser) {
    // A page that builds its price with script: the static read saw none, the browser may.
    const viaBrowser = await browserRead();
    const phrases = findEvasionPhrases(textOf(draft.html ?? ''), cfg.evasion_phrases);
    if (phrases.length && !viaBrowser.findings.length)
      viaBrowser.findings.push({ kind: 'map_evasion', detail: { phrases, revealed_by_steps: false } });
    return viaBrowser;
  }
  const phrases = draft.html ? findEvasionPhrases(textOf(draft.html), cfg.evasion_phrases) : [];
  const findings: Finding[] = phrases.length
    ? [{ kind: 'map_evasion', detail: { phrases, revealed_by_steps: false } }]
    : [];
  if (!fetched) return { draft, capture: null, findings };
  const capture: ReadCapture = {
    render: 'static',
    requestedUrl: listing.url,
    fetch: fetched,
    userAgent,
    tls: null,
    exchanges: [],
  };
  if (!opts.capture) return { draft, capture: null, findings, seen: capture };
  if (ctx.browser && fetched.status === 'ok' && fetched.body !== undefined) {
    // Screenshot exactly the HTML that was read; its images and styles load as usual.
    const shot = await renderPage(ctx.browser, fetched.finalUrl, {
      mode: 'capture',
      site: { ...cfg, browser: undefined },
      userAgent,
      allowPrivate: ctx.fetchOptions.allowPrivate,
      preloaded: { html: fetched.body, status: fetched.httpStatus ?? 200, headers: fetched.headers ?? {} },
    });
    capture.page = shot.capture;
    capture.exchanges = shot.exchanges.map((ex) =>
      ex.url === fetched!.finalUrl ? { ...ex, responseHeaders: fetched!.headers ?? ex.responseHeaders } : ex,
    );
  }
  return { draft, capture, findings };
}
