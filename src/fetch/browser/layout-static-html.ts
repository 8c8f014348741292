/**
 * Lays static HTML out in Chromium with scripts and network off, and returns it annotated with
 * layout facts (annotate-layout.ts). Only the page's own inline stylesheets apply: with every
 * request aborted, external CSS, fonts and images never load, so nothing leaves the machine
 * and a page cannot run code. The cost is one context and one layout (see the report figures
 * in crawlers/README.md), so it runs only where a site asks for it (`browser.layout_fallback`).
 */
import type { BrowserPool } from './browser-pool.js';
import { annotateLayout } from './annotate-layout.js';

export interface LayoutStaticOptions {
  /** Layout deadline: a pathological page gives up rather than holding a browser slot. */
  timeoutMs?: number;
}

export async function layoutStaticHtml(
  pool: BrowserPool,
  html: string,
  opts: LayoutStaticOptions = {},
): Promise<string> {
  const timeout = opts.timeoutMs ?? 10_000;
  return pool.withContext({ javaScriptEnabled: false }, async (ctx) => {
    // nothing is fetched: not stylesheets, not images, not the page's trackers
    await ctx.route('**/*', (route) => route.abort());
    const page = await ctx.newPage();
    await page.setContent(html, { waitUntil: 'load', timeout });
    await annotateLayout(page);
    return page.content();
  });
}
