/**
 * Re-check before accusing. A read that would open a case or escalate one is confirmed by
 * a second, independent read (a fresh browser context, or a fresh static fetch) after the
 * site's `recheck.delay_ms`. Only when both reads are `ok` with the same currency and
 * amount does the case change; otherwise both observations are kept, a `rechecks` row
 * records the disagreement, and no case opens.
 *
 * Also here: one read of a listing with whatever the check needs for evidence (static or
 * browser, the browser fallback, the evasion signal), since the re-check is that read twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Verdict } from '../compare/compare-to-map.js';
import type { LoadedSite } from '../config/load-sites.js';
import type { SyncedListing } from '../config/sync-sites.js';
import type { Database } from '../db/tables.js';
import type { ReadCapture } from '../evidence/capture-evidence.js';
import { findEvasionPhrases } from '../fetch/browser/evasion.js';
import { type RenderResult, renderPage } from '../fetch/browser/render-page.js';
import { visibleText } from '../fetch/bot-wall.js';
import { type FetchResult, fetchPage } from '../fetch/fetch-page.js';
import { DEFAULT_USER_AGENT } from '../fetch/user-agent.js';
import type { Fetcher, PipelineContext } from './check-context.js';
import { type ObservationDraft, readListing } from './read-listing.js';

export type Finding =
  | { kind: 'map_evasion'; detail: { phrases: string[]; revealed_by_steps: boolean } }
  | import('./find-unauthorized-sellers.js').UnauthorizedSellerFinding;

export interface ListingRead {
  draft: ObservationDraft;
  capture: ReadCapture | null;
  findings: Finding[];
}

function errorDraft(reason: string): ObservationDraft {
  return {
    capturedAt: new Date(),
    status: 'error',
    reason,
    offer: null,
    amountMinor: null,
    currency: null,
    httpStatus: null,
    finalUrl: null,
    contentSha256: null,
    retryable: false,
  };
}

export const NO_BROWSER_REASON =
  'no_browser: this site needs a browser (render: browser) and none is available; install Chromium (`npx playwright install chromium` or the distribution package) or set MAPWATCH_CHROMIUM';

/**
 * One read of the listing. `capture` asks for evidence: the browser then blocks nothing and
 * screenshots the page; a static page is screenshotted as it was fetched.
 */
export async function readForCheck(
  ctx: PipelineContext,
  site: LoadedSite,
  listing: Pick<SyncedListing, 'url'>,
  gtin: string | null,
  opts: { capture: boolean },
): Promise<ListingRead> {
  const cfg = site.config;
  const userAgent = cfg.user_agent ?? ctx.fetchOptions.userAgent ?? DEFAULT_USER_AGENT;
  const browserRead = async (): Promise<ListingRead> => {
    if (!ctx.browser) return { draft: errorDraft(NO_BROWSER_REASON), capture: null, findings: [] };
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
      });
      return rendered.fetch;
    };
    const draft = await readListing(site, listing, { gtin }, ctx.fetchOptions, fetcher);
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
    const capture: ReadCapture | null = opts.capture
      ? {
          render: 'browser',
          requestedUrl: listing.url,
          fetch: r.fetch,
          userAgent: r.userAgent,
          tls: r.tls,
          exchanges: r.exchanges,
          page: r.capture,
        }
      : null;
    return { draft, capture, findings };
  };

  if (cfg.render === 'browser') return browserRead();

  let fetched: FetchResult | undefined;
  const base = ctx.fetcher ?? fetchPage;
  const fetcher: Fetcher = async (url, fo) => (fetched = await base(url, fo));
  const draft = await readListing(site, listing, { gtin }, ctx.fetchOptions, fetcher);
  if (draft.status === 'no_price' && cfg.browser?.fallback && ctx.browser) {
    // A page that builds its price with script: the static read saw none, the browser may.
    const viaBrowser = await browserRead();
    const phrases = findEvasionPhrases(visibleText(draft.html ?? ''), cfg.evasion_phrases);
    if (phrases.length && !viaBrowser.findings.length)
      viaBrowser.findings.push({ kind: 'map_evasion', detail: { phrases, revealed_by_steps: false } });
    return viaBrowser;
  }
  const phrases = draft.html ? findEvasionPhrases(visibleText(draft.html), cfg.evasion_phrases) : [];
  const findings: Finding[] = phrases.length
    ? [{ kind: 'map_evasion', detail: { phrases, revealed_by_steps: false } }]
    : [];
  if (!opts.capture || !fetched) return { draft, capture: null, findings };
  const capture: ReadCapture = {
    render: 'static',
    requestedUrl: listing.url,
    fetch: fetched,
    userAgent,
    tls: null,
    exchanges: [],
  };
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

/** Both reads ok, same currency, same amount: the only agreement that may accuse. */
export function readsAgree(a: ObservationDraft, b: ObservationDraft): boolean {
  return (
    a.status === 'ok' &&
    b.status === 'ok' &&
    a.currency === b.currency &&
    a.amountMinor !== null &&
    a.amountMinor === b.amountMinor
  );
}

/** Whether this verdict would open a case, or raise the open one's severity. */
export function needsRecheck(
  verdict: Verdict | null,
  open: { severity: string } | undefined,
  severityOrder: readonly string[],
  suppressed: boolean,
): boolean {
  if (verdict?.kind !== 'violation') return false;
  if (!open) return !suppressed;
  return severityOrder.indexOf(verdict.severity) > severityOrder.indexOf(open.severity);
}

export async function openCaseOf(
  db: Kysely<Database>,
  listingId: number,
): Promise<{ id: number; severity: string } | undefined> {
  return db
    .selectFrom('cases')
    .select(['id', 'severity'])
    .where('listing_id', '=', listingId)
    .where('status', 'in', ['open', 'notified'])
    .executeTakeFirst();
}

export function recheckDelay(ctx: PipelineContext, site: LoadedSite): number {
  return ctx.recheckDelayMs ?? site.config.recheck?.delay_ms ?? 5000;
}

export async function waitForRecheck(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
}

function side(d: ObservationDraft) {
  return {
    status: d.status,
    amount_minor: d.amountMinor,
    currency: d.currency,
    reason: d.reason,
    final_url: d.finalUrl,
  };
}

export async function recordRecheck(
  db: Kysely<Database>,
  row: {
    siteId: number;
    listingId: number;
    firstObservationId: number;
    secondObservationId: number | null;
    agreed: boolean;
    first: ObservationDraft;
    second: ObservationDraft | null;
    delayMs: number;
  },
): Promise<void> {
  await db
    .insertInto('rechecks')
    .values({
      site_id: row.siteId,
      listing_id: row.listingId,
      first_observation_id: row.firstObservationId,
      second_observation_id: row.secondObservationId,
      agreed: row.agreed,
      detail: JSON.stringify({
        first: side(row.first),
        second: row.second ? side(row.second) : null,
        delay_ms: row.delayMs,
      }),
    })
    .onConflict((oc) => oc.column('first_observation_id').doNothing())
    .execute();
}

export async function recordFindings(
  db: Kysely<Database>,
  observationId: number,
  listingId: number,
  at: Date,
  findings: readonly Finding[],
): Promise<void> {
  if (!findings.length) return;
  await db
    .insertInto('findings')
    .values(
      findings.map((f) => ({
        observation_id: observationId,
        listing_id: listingId,
        kind: f.kind,
        detail: JSON.stringify(f.detail),
        at,
      })),
    )
    .onConflict((oc) => oc.columns(['observation_id', 'kind']).doNothing())
    .execute();
}
