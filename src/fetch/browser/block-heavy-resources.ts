/**
 * Extract reads skip images, fonts and media: they cost bandwidth and CPU and never carry the
 * price. They used to be refused from a Playwright route, but with any route set every request
 * of the page (the document, its scripts, the price's own XHR) stops in Node and waits for an
 * answer before it goes out: about 70 ms more per page load and as much per XHR on a loaded
 * machine (measured, 2 December 2026). Chromium's Fetch domain takes patterns by resource type,
 * so here only the requests to refuse ever stop; the rest flow straight to the guard proxy,
 * which is what checks addresses anyway (guard-proxy.ts: it sees every connection, a route
 * never did).
 * Per page, from before its first navigation. A frame in another process (a cross-site iframe)
 * loads its images: a cost, never a hole, the guard proxy carries its traffic as any other.
 */
import type { Page } from 'playwright-core';

const BLOCKED = ['Image', 'Font', 'Media'] as const;

export async function blockHeavyResources(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (e: { requestId: string }) => {
    cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'BlockedByClient' }).catch(() => {});
  });
  await cdp.send('Fetch.enable', {
    patterns: BLOCKED.map((resourceType) => ({ urlPattern: '*', resourceType, requestStage: 'Request' as const })),
  });
}
