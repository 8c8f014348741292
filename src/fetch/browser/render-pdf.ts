/**
 * HTML to PDF through the Chromium mapwatch already runs (the browser pool), with
 * JavaScript off and every network request refused: the document must be self-contained,
 * and a crawled value in it must not be able to fetch anything while it renders.
 */
import type { BrowserPool } from './browser-pool.js';
import { UnavailableError } from '../../errors.js';

export async function renderPdf(browser: BrowserPool | undefined, htmlText: string): Promise<Buffer> {
  if (!browser) throw new UnavailableError('no Chromium found to render the PDF; set MAPWATCH_CHROMIUM');
  return browser.withContext({ javaScriptEnabled: false }, async (ctx) => {
    await ctx.route('**/*', (route) => route.abort());
    const page = await ctx.newPage();
    await page.setContent(htmlText, { waitUntil: 'load' });
    return page.pdf({ format: 'A4', printBackground: true });
  });
}
