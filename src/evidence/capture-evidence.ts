/**
 * Stores the files of one read as evidence (original and annotated screenshots, the captioned
 * screenshots of each browser step, rendered DOM, WARC) and prepares its manifest. This runs
 * before the observation's transaction, so no screenshot is ever taken while a case row is
 * locked; the manifest is completed with the case and observation ids, and chained, inside the
 * transaction (record-evidence.ts).
 */
import type { Verdict } from '../compare/compare-to-map.js';
import type { BrowserPool } from '../fetch/browser/browser-pool.js';
import type { Exchange, PageCapture, TlsDetails } from '../fetch/browser/render-page.js';
import type { FetchResult } from '../fetch/fetch-page.js';
import { explainPrice } from '../compare/explain-price.js';
import type { ObservationDraft } from '../types.js';
import { redactExchange } from '../fetch/browser/redact-exchange.js';
import { annotateScreenshot } from './annotate-screenshot.js';
import type { EvidenceStore } from './evidence-store.js';
import type { FileRole, Manifest, ManifestFile, ManifestRedaction } from './manifest.js';
import { writeWarc } from './write-warc.js';

/** What one read saw, beyond the observation draft. */
export interface ReadCapture {
  render: 'static' | 'browser';
  requestedUrl: string;
  fetch: FetchResult;
  userAgent: string;
  tls: TlsDetails | null;
  exchanges: Exchange[];
  page?: PageCapture;
  /**
   * A browser read that recorded no exchanges (it was not asked to capture): its HTML is the
   * rendered DOM, which no WARC may pass off as the server's response, so it is kept as HTML only.
   */
  domOnly?: boolean;
}

export type PreparedManifest = Omit<Manifest, 'case_id' | 'observation_id' | 'recheck'>;

export interface ListingRef {
  listingId: number;
  site: string;
  reseller: string;
  sku: string;
}

/** Static reads have no browser exchanges: the main document alone is recorded. */
export function exchangesOf(capture: ReadCapture): Exchange[] {
  if (capture.exchanges.length || capture.domOnly) return capture.exchanges;
  const f = capture.fetch;
  if (f.body === undefined) return [];
  return [
    {
      url: f.finalUrl,
      method: 'GET',
      requestHeaders: { 'user-agent': capture.userAgent },
      status: f.httpStatus ?? 200,
      statusText: '',
      responseHeaders: f.headers ?? {},
      body: Buffer.from(f.body),
      at: f.fetchedAt,
    },
  ];
}

export interface CaptureOptions {
  store: EvidenceStore;
  /** Draws the annotated screenshot; absent: only the original screenshots are kept. */
  browser?: BrowserPool;
  listing: ListingRef;
  capture: ReadCapture;
  draft: ObservationDraft;
  verdict: Verdict | null;
  findings: readonly { kind: string; detail: unknown }[];
}

export async function captureEvidence(opts: CaptureOptions): Promise<PreparedManifest> {
  const { store, browser: pool, listing: ref, capture, draft, verdict, findings } = opts;
  const files: ManifestFile[] = [];
  const put = async (role: FileRole, bytes: Uint8Array, mime: string, caption?: string) => {
    const s = await store.put(bytes);
    files.push({ role, key: s.key, sha256: s.sha256, size: s.size, mime, ...(caption ? { caption } : {}) });
  };
  if (capture.page) {
    for (const step of capture.page.steps) await put('screenshot_step', step.png, 'image/png', step.caption);
    await put('screenshot_viewport', capture.page.viewportPng, 'image/png', capture.page.caption);
    await put('screenshot_full', capture.page.fullPagePng, 'image/png');
    if (pool) {
      const price = explainPrice(draft.amountMinor, draft.currency, verdict);
      const annotated = await annotateScreenshot(pool, capture.page.viewportPng, capture.page.priceBox, {
        url: capture.fetch.finalUrl,
        capturedAt: draft.capturedAt,
        price: draft.amountMinor === null ? `no price (${draft.status})` : price.line,
        basis: price.basis,
      });
      await put('screenshot_annotated', annotated, 'image/png', capture.page.caption);
    }
  }
  const html = capture.fetch.body ?? draft.html;
  if (html !== undefined) await put('dom_html', Buffer.from(html), 'text/html; charset=utf-8');
  // Browser exchanges come redacted with the page's known secrets; this pass catches headers a
  // static read added (Set-Cookie, Cookie) so no credential reaches the WARC either way.
  const exchanges = exchangesOf(capture).map((ex) => redactExchange(ex));
  const redactions: ManifestRedaction[] = exchanges.flatMap((ex) =>
    (ex.redactions ?? []).map((r) => ({ file: 'warc' as const, ...r })),
  );
  if (exchanges.length)
    await put(
      'warc',
      await writeWarc(exchanges, { filename: `observation-${ref.listingId}.warc` }),
      'application/warc',
    );

  const offer = draft.offer ? { ...draft.offer, amount_minor: draft.amountMinor } : null;
  return {
    version: 1,
    listing_id: ref.listingId,
    site: ref.site,
    reseller: ref.reseller,
    sku: ref.sku,
    render: capture.render,
    requested_url: capture.requestedUrl,
    final_url: capture.fetch.finalUrl ?? null,
    captured_at: draft.capturedAt.toISOString(),
    user_agent: capture.userAgent,
    server_ip: capture.fetch.serverIp ?? null,
    tls: capture.tls ? { ...capture.tls } : null,
    http_status: capture.fetch.httpStatus ?? null,
    status: draft.status,
    reason: draft.reason,
    offer: offer ? JSON.parse(JSON.stringify(offer)) : null,
    verdict: verdict ? JSON.parse(JSON.stringify({ ...verdict, rule: undefined })) : null,
    map_rule: verdict?.rule ? JSON.parse(JSON.stringify(verdict.rule)) : null,
    findings: JSON.parse(JSON.stringify(findings)),
    files,
    redactions,
  };
}
