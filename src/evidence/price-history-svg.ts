/**
 * The case's price history as a standalone SVG file for the bundle (`chart.svg`): every read
 * of the listing in the case's window (up to 500, like the summary table) at the price compared
 * with the MAP, the MAP as it was at each read as a stepped line, and the reads with evidence
 * in the bundle ringed. It draws like the case page's chart (src/http/pages/cases/price-chart.ts)
 * but stands alone: styles are attributes, fonts generic, no links (the file is opened on its
 * own), and it is built here because the evidence stage may not import from the http stage.
 */
import type { Kysely } from 'kysely';
import type { CaseFacts } from '../cases/load-case-facts.js';
import type { Database } from '../db/tables.js';
import { escapeHtml as e } from '../escape-html.js';
import { formatMoney } from '../normalize/currency.js';

const W = 760;
const H = 300;
const PAD = { left: 90, right: 20, top: 40, bottom: 56 };

export interface ChartRead {
  id: number;
  capturedAt: Date;
  /** Compared price (normalized), else the advertised one for an ok read. */
  price: number;
  mapMinor: number | null;
  verdict: string | null;
}

export async function loadChartReads(db: Kysely<Database>, c: CaseFacts): Promise<ChartRead[]> {
  const rows = await db
    .selectFrom('observations')
    .select(['id', 'captured_at', 'status', 'amount_minor', 'currency', 'normalized_minor', 'map_minor', 'verdict'])
    .where('listing_id', '=', c.listingId)
    .where('captured_at', '>=', c.firstSeenAt)
    .orderBy('captured_at')
    .orderBy('id')
    .limit(500)
    .execute();
  return rows.flatMap((r) => {
    const price = r.normalized_minor ?? (r.status === 'ok' && r.currency === c.currency ? r.amount_minor : null);
    return price === null
      ? []
      : [{ id: Number(r.id), capturedAt: new Date(r.captured_at), price, mapMinor: r.map_minor, verdict: r.verdict }];
  });
}

export function priceHistorySvg(o: {
  title: string;
  currency: string;
  caseMapMinor: number;
  reads: readonly ChartRead[];
  /** Observation ids whose evidence is in the bundle. */
  withEvidence: ReadonlySet<number>;
}): string {
  const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<title>${e(o.title)}</title>
<rect width="${W}" height="${H}" fill="#ffffff"/>
<text x="${PAD.left}" y="22" font-size="14" font-weight="bold" fill="#111111">${e(o.title)}</text>`;
  if (!o.reads.length)
    return `${head}\n<text x="${PAD.left}" y="${H / 2}" fill="#5d6677">No priced reads to chart.</text>\n</svg>\n`;
  const values = [...o.reads.flatMap((r) => [r.price, r.mapMinor ?? o.caseMapMinor]), o.caseMapMinor];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = Math.max(hi - lo, Math.max(1, hi * 0.02));
  lo = Math.max(0, Math.floor((lo - span * 0.1) / 100) * 100);
  hi = Math.ceil((hi + span * 0.1) / 100) * 100;
  const t0 = o.reads[0]!.capturedAt.getTime();
  const t1 = o.reads[o.reads.length - 1]!.capturedAt.getTime();
  const x = (t: number) => PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const f = (n: number) => n.toFixed(1);
  const money = (v: number) => e(formatMoney(v, o.currency));
  const when = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const map = o.reads
    .map((r) => ({ t: r.capturedAt.getTime(), m: r.mapMinor ?? o.caseMapMinor }))
    .flatMap((p, i, all) => (i === 0 ? [p] : [{ t: p.t, m: all[i - 1]!.m }, p]))
    .map((p) => `${f(x(p.t))},${f(y(p.m))}`)
    .join(' ');
  const price = o.reads.map((r) => `${f(x(r.capturedAt.getTime()))},${f(y(r.price))}`).join(' ');
  const ticks = [lo, Math.round((lo + hi) / 200) * 100, hi];
  const colour = (v: string | null) => (v === 'violation' ? '#c0392b' : v === 'compliant' ? '#1e8449' : '#5d6677');
  const lines = [
    head,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="#f7f8fa" stroke="#dde1e8"/>`,
    ...ticks.map(
      (t) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#e3e6eb"/><text x="${PAD.left - 6}" y="${f(y(t) + 4)}" text-anchor="end" fill="#5d6677">${money(t)}</text>`,
    ),
    `<text x="${PAD.left}" y="${H - PAD.bottom + 18}" fill="#5d6677">${when(o.reads[0]!.capturedAt)}</text>`,
    `<text x="${W - PAD.right}" y="${H - PAD.bottom + 18}" text-anchor="end" fill="#5d6677">${when(o.reads[o.reads.length - 1]!.capturedAt)}</text>`,
    `<polyline points="${map}" fill="none" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 3"><title>MAP</title></polyline>`,
    `<polyline points="${price}" fill="none" stroke="#2455c3" stroke-width="2"/>`,
    ...o.reads.map((r) => {
      const cx = f(x(r.capturedAt.getTime()));
      const cy = f(y(r.price));
      const ring = o.withEvidence.has(r.id)
        ? `<circle cx="${cx}" cy="${cy}" r="8" fill="none" stroke="#111111" stroke-width="1.5"/>`
        : '';
      return `${ring}<circle cx="${cx}" cy="${cy}" r="4.5" fill="${colour(r.verdict)}"><title>observation ${r.id}, ${when(r.capturedAt)}: ${money(r.price)} (${e(r.verdict ?? 'no verdict')})${o.withEvidence.has(r.id) ? ', evidence in this bundle' : ''}</title></circle>`;
    }),
    `<g transform="translate(${PAD.left},${H - 14})" fill="#333333">` +
      `<line x1="0" x2="22" y1="-4" y2="-4" stroke="#2455c3" stroke-width="2"/><text x="28" y="0">price compared with the MAP</text>` +
      `<line x1="230" x2="252" y1="-4" y2="-4" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 3"/><text x="258" y="0">MAP in effect</text>` +
      `<circle cx="372" cy="-4" r="7" fill="none" stroke="#111111" stroke-width="1.5"/><text x="386" y="0">read with evidence in this bundle</text></g>`,
    '</svg>',
  ];
  return lines.join('\n') + '\n';
}
