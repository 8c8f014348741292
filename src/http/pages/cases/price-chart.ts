/**
 * The case page's price-history chart as server-rendered inline SVG (no script, so the CSP
 * stays `script-src 'self'` and it works without JS): one point per read at the price
 * compared with the MAP, the MAP line as it was at each read, and the MSRP as a dashed line.
 * Each point is a link to that read's screenshot (or to its row in the table when the read
 * has none) with a <title> tooltip, so keyboard and screen-reader users reach it too.
 */
import { html, type SafeHtml } from '../../html.js';
import type { PriceRead } from '../../../queries/get-case.js';
import { money, when } from './format.js';

const W = 760;
const H = 260;
const PAD = { left: 86, right: 16, top: 16, bottom: 36 };

/** The price a read is plotted at: the one compared with the MAP, else the advertised one. */
function plotted(r: PriceRead): number | null {
  return r.normalizedMinor ?? (r.status === 'ok' ? r.amountMinor : null);
}

export function priceChart(o: {
  reads: PriceRead[];
  currency: string;
  msrpMinor: number | null;
  caseMapMinor: number;
}): SafeHtml {
  const reads = o.reads.filter((r) => plotted(r) !== null && (r.currency === null || r.currency === o.currency));
  if (!reads.length) return html`<p class="muted" id="price-chart-empty">No priced reads to chart yet.</p>`;
  const values = [
    ...reads.map((r) => plotted(r)!),
    ...reads.map((r) => r.mapMinor).filter((m): m is number => m !== null),
    o.caseMapMinor,
    ...(o.msrpMinor !== null ? [o.msrpMinor] : []),
  ];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = Math.max(hi - lo, Math.max(1, hi * 0.02));
  // Axis ends on whole currency units (100 minor units for most currencies), so tick labels read cleanly.
  lo = Math.max(0, Math.floor((lo - span * 0.1) / 100) * 100);
  hi = Math.ceil((hi + span * 0.1) / 100) * 100;
  const t0 = reads[0]!.capturedAt.getTime();
  const t1 = reads[reads.length - 1]!.capturedAt.getTime();
  const x = (t: number) => PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const f = (n: number) => n.toFixed(1);

  const mapPoints = reads
    .map((r) => ({ t: r.capturedAt.getTime(), m: r.mapMinor ?? o.caseMapMinor }))
    .flatMap((p, i, all) => (i === 0 ? [p] : [{ t: p.t, m: all[i - 1]!.m }, p]))
    .map((p) => `${f(x(p.t))},${f(y(p.m))}`)
    .join(' ');
  const pricePath = reads.map((r) => `${f(x(r.capturedAt.getTime()))},${f(y(plotted(r)!))}`).join(' ');
  const ticks = [lo, Math.round((lo + hi) / 200) * 100, hi];

  const points = reads.map((r) => {
    const v = plotted(r)!;
    const label = `${when(r.capturedAt)}: ${money(v, o.currency)} (${r.verdict ?? r.status})${r.misread ? ', marked misread' : ''}${r.hasScreenshot ? ' — open screenshot' : ''}`;
    const cls = `pt ${r.verdict ?? 'none'}${r.misread ? ' misread' : ''}`;
    const href = r.hasScreenshot ? `/observations/${r.id}/screenshot` : `#read-${r.id}`;
    return html`<a
      href="${href}"
      ${r.hasScreenshot ? html`target="_blank" rel="noopener"` : ''}
      class="chart-point"
      data-observation="${r.id}"
      aria-label="${label}"
      ><title>${label}</title><circle class="${cls}" cx="${f(x(r.capturedAt.getTime()))}" cy="${f(y(v))}" r="5"></circle
    ></a>`;
  });
  return html`<figure class="chart" id="price-chart">
    <svg
      viewBox="0 0 ${W} ${H}"
      width="100%"
      role="group"
      aria-label="Price history: ${reads.length} reads against the MAP${o.msrpMinor !== null ? ' and MSRP' : ''}"
      data-testid="price-chart"
    >
      <rect
        x="${PAD.left}"
        y="${PAD.top}"
        width="${W - PAD.left - PAD.right}"
        height="${H - PAD.top - PAD.bottom}"
        class="plot-bg"
      ></rect>
      ${ticks.map(
        (t) =>
          html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(t))}" y2="${f(y(t))}"></line>
            <text class="axis" x="${PAD.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${money(t, o.currency)}</text>`,
      )}
      <text class="axis" x="${PAD.left}" y="${H - 12}">${when(reads[0]!.capturedAt)}</text>
      <text class="axis" x="${W - PAD.right}" y="${H - 12}" text-anchor="end">
        ${when(reads[reads.length - 1]!.capturedAt)}
      </text>
      ${
        o.msrpMinor !== null
          ? html`<line
              class="msrp-line"
              x1="${PAD.left}"
              x2="${W - PAD.right}"
              y1="${f(y(o.msrpMinor))}"
              y2="${f(y(o.msrpMinor))}"
              ><title>MSRP ${money(o.msrpMinor, o.currency)}</title></line
            >`
          : ''
      }
      <polyline class="map-line" points="${mapPoints}"><title>MAP</title></polyline>
      <polyline class="price-line" points="${pricePath}"></polyline>
      ${points}
    </svg>
    <figcaption class="legend">
      <span class="key price">● read (compared price; click for its screenshot)</span>
      <span class="key map">— MAP</span>
      ${o.msrpMinor !== null ? html`<span class="key msrp">- - MSRP ${money(o.msrpMinor, o.currency)}</span>` : ''}
    </figcaption>
  </figure>`;
}
