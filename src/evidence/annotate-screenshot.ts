/**
 * The annotated copy of a viewport screenshot: the price element outlined and a banner
 * with URL, UTC time, the advertised price, the price compared with the MAP and why they
 * differ (VAT, pack size). It is drawn by the browser over the original PNG, which itself
 * stays unaltered.
 */
import type { BrowserPool } from '../fetch/browser/browser-pool.js';
import type { PageCapture } from '../fetch/browser/render-page.js';
import { escapeHtml } from '../escape-html.js';

export interface Banner {
  url: string;
  capturedAt: Date;
  /** The price line: advertised, compared at, MAP, verdict (compare/explain-price.ts). */
  price: string;
  /** Why the compared price differs from the advertised one; empty when it does not. */
  basis?: string;
}

/** The banner's text lines, top to bottom. */
export function bannerLines(banner: Banner): string[] {
  const at = banner.capturedAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return [banner.url, `${at} · ${banner.price}`, ...(banner.basis ? [`Why: ${banner.basis}`] : [])];
}

export async function annotateScreenshot(
  pool: BrowserPool,
  png: Buffer,
  box: PageCapture['priceBox'],
  banner: Banner,
): Promise<Buffer> {
  const size = pngSize(png);
  const lines = bannerLines(banner);
  const bannerHeight = 24 + 20 * lines.length;
  const outline = box
    ? `<div style="position:absolute;left:${box.x - 4}px;top:${box.y - 4 + bannerHeight}px;width:${box.width + 8}px;height:${box.height + 8}px;border:4px solid #e00;border-radius:4px;box-shadow:0 0 0 3px rgba(255,255,255,.8)"></div>`
    : '';
  const html = `<!doctype html><html><head><style>
html,body{margin:0;padding:0;background:#fff}
.b{height:${bannerHeight}px;box-sizing:border-box;padding:8px 12px;background:#111;color:#fff;font:14px/1.4 sans-serif;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.b strong{color:#ffd54d}
</style></head><body>
<div class="b">${lines.map((l, i) => (i === 1 ? `<div><strong>${escapeHtml(l)}</strong></div>` : `<div>${escapeHtml(l)}</div>`)).join('')}</div>
<img src="data:image/png;base64,${png.toString('base64')}" style="display:block" width="${size.width}" height="${size.height}">
${outline}
</body></html>`;
  return pool.withContext(
    { viewport: { width: size.width, height: size.height + bannerHeight }, javaScriptEnabled: false },
    async (ctx) => {
      // Only the inline document and its data: image: the annotation must never touch the network.
      await ctx.route('**/*', (r) => r.abort('blockedbyclient'));
      const page = await ctx.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      return page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' });
    },
  );
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.readUInt32BE(12) !== 0x49484452) throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
