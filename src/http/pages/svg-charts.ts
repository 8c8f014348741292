/**
 * Small server-rendered SVG charts (no script: the CSP allows none inline, and a chart a
 * pricing manager opens must not depend on one): a line over days and horizontal bars.
 * Geometry goes in SVG attributes, never in style attributes, which the CSP would block.
 * Labels are escaped like every other interpolation.
 */
import { html, type SafeHtml } from '../html.js';

export interface LinePoint {
  label: string;
  value: number | null;
}

/** A line chart of values 0–max (gaps where a value is null), with the first and last label. */
export function lineChart(o: { points: LinePoint[]; max: number; unit: string; title: string }): SafeHtml {
  const w = 640;
  const h = 180;
  const pad = 28;
  const n = Math.max(1, o.points.length - 1);
  const x = (i: number) => pad + ((w - 2 * pad) * i) / n;
  const y = (v: number) => h - pad - ((h - 2 * pad) * Math.max(0, Math.min(v, o.max))) / o.max;
  const segments: string[] = [];
  let current: string[] = [];
  o.points.forEach((p, i) => {
    if (p.value == null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(' '));
  const first = o.points[0]?.label ?? '';
  const last = o.points[o.points.length - 1]?.label ?? '';
  return html`<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${o.title}">
    <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#dde1e8" />
    <line x1="${pad}" y1="${pad}" x2="${w - pad}" y2="${pad}" stroke="#eceff3" />
    <text x="2" y="${pad + 4}" font-size="11" fill="#5d6677">${o.max}${o.unit}</text>
    <text x="2" y="${h - pad + 4}" font-size="11" fill="#5d6677">0</text>
    ${segments.map((pts) => html`<polyline fill="none" stroke="#2455c3" stroke-width="2" points="${pts}" />`)}
    ${o.points.map((p, i) =>
      p.value == null
        ? ''
        : html`<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="#2455c3"
            ><title>${p.label}: ${p.value.toFixed(1)}${o.unit}</title></circle
          >`,
    )}
    <text x="${pad}" y="${h - 6}" font-size="11" fill="#5d6677">${first}</text>
    <text x="${w - pad}" y="${h - 6}" font-size="11" fill="#5d6677" text-anchor="end">${last}</text>
  </svg>`;
}

export interface Bar {
  label: string;
  value: number | null;
  href?: string;
}

/** Horizontal bars, 0–max, each label a link (the drill-down) when `href` is given. */
export function barChart(o: { bars: Bar[]; max: number; unit: string; title: string }): SafeHtml {
  const rowH = 24;
  const labelW = 180;
  const w = 640;
  const h = rowH * o.bars.length + 8;
  const bw = (v: number) => ((w - labelW - 70) * Math.max(0, Math.min(v, o.max))) / o.max;
  return html`<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${o.title}">
    ${o.bars.map((b, i) => {
      const top = 4 + i * rowH;
      const label = html`<text x="0" y="${top + 15}" font-size="12" fill="#1d2330"
        >${b.label.length > 28 ? b.label.slice(0, 27) + '…' : b.label}</text
      >`;
      return html`<g
        >${b.href ? html`<a href="${b.href}">${label}</a>` : label}
        <rect
          x="${labelW}"
          y="${top + 3}"
          width="${b.value == null ? 0 : bw(b.value).toFixed(1)}"
          height="${rowH - 8}"
          fill="#2455c3"
          rx="2"
        />
        <text x="${labelW + (b.value == null ? 0 : bw(b.value)) + 6}" y="${top + 15}" font-size="12" fill="#5d6677"
          >${b.value == null ? '–' : `${b.value.toFixed(1)}${o.unit}`}</text
        ></g
      >`;
    })}
  </svg>`;
}

export interface Series {
  label: string;
  values: (number | null)[];
  /** The drill-down behind this line (its legend entry links there). */
  href?: string;
}

/** Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito, darkened). */
const PALETTE = ['#0b63c5', '#d55e00', '#009e73', '#cc79a7', '#8a6d00', '#56b4e9', '#5d6677', '#e69f00'];

/**
 * Several lines over the same x labels (0–max), one colour each, with a legend whose entries
 * are links; every point has a tooltip naming the line, the label and the value.
 */
export function multiLineChart(o: {
  labels: string[];
  series: Series[];
  max: number;
  unit: string;
  title: string;
}): SafeHtml {
  const w = 640;
  const h = 200;
  const pad = 32;
  const n = Math.max(1, o.labels.length - 1);
  const x = (i: number) => pad + ((w - 2 * pad) * i) / n;
  const y = (v: number) => h - pad - ((h - 2 * pad) * Math.max(0, Math.min(v, o.max))) / o.max;
  const legendRows = Math.ceil(o.series.length / 3);
  const lh = h + 8 + legendRows * 20;
  const lines = o.series.map((s, si) => {
    const colour = PALETTE[si % PALETTE.length]!;
    const segments: string[] = [];
    let current: string[] = [];
    s.values.forEach((v, i) => {
      if (v == null) {
        if (current.length) segments.push(current.join(' '));
        current = [];
      } else current.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    });
    if (current.length) segments.push(current.join(' '));
    return html`<g>
      ${segments.map((pts) => html`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts}" />`)}
      ${s.values.map((v, i) =>
        v == null
          ? ''
          : html`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${colour}"
              ><title>${s.label}, ${o.labels[i] ?? ''}: ${v.toFixed(1)}${o.unit}</title></circle
            >`,
      )}
    </g>`;
  });
  const legend = o.series.map((s, si) => {
    const lx = pad + (si % 3) * 200;
    const ly = h + 14 + Math.floor(si / 3) * 20;
    const name = s.label.length > 24 ? s.label.slice(0, 23) + '…' : s.label;
    const text = html`<text x="${lx + 16}" y="${ly + 4}" font-size="12" fill="#1d2330">${name}</text>`;
    return html`<g>
      <rect x="${lx}" y="${ly - 4}" width="11" height="11" rx="2" fill="${PALETTE[si % PALETTE.length]}" />
      ${s.href ? html`<a href="${s.href}">${text}</a>` : text}
    </g>`;
  });
  return html`<svg
    class="chart"
    viewBox="0 0 ${w} ${lh}"
    width="${w}"
    height="${lh}"
    role="img"
    aria-label="${o.title}"
  >
    <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#dde1e8" />
    <line x1="${pad}" y1="${(h - pad + pad) / 2}" x2="${w - pad}" y2="${(h - pad + pad) / 2}" stroke="#f1f3f6" />
    <line x1="${pad}" y1="${pad}" x2="${w - pad}" y2="${pad}" stroke="#eceff3" />
    <text x="2" y="${pad + 4}" font-size="11" fill="#5d6677">${o.max}${o.unit}</text>
    <text x="2" y="${(h - pad + pad) / 2 + 4}" font-size="11" fill="#5d6677">${o.max / 2}</text>
    <text x="2" y="${h - pad + 4}" font-size="11" fill="#5d6677">0</text>
    ${o.labels.map((l, i) =>
      o.labels.length <= 8 || i === 0 || i === o.labels.length - 1 || i % Math.ceil(o.labels.length / 6) === 0
        ? html`<text x="${x(i).toFixed(1)}" y="${h - 10}" font-size="11" fill="#5d6677" text-anchor="middle"
            >${l}</text
          >`
        : '',
    )}
    ${lines} ${legend}
  </svg>`;
}
