/** Human-readable renderings shared by `crawl`, `cases` and `demo`. */
import type { Verdict } from '../compare/compare-to-map.js';
import { formatMoney } from '../normalize/currency.js';
import type { CaseRow } from '../queries/list-cases.js';
import type { CrawlResult, CrawlSummary } from '../check/crawl-now.js';
import { safeText, table } from './output.js';

/** One listing's line of the crawl table: its sort keys and printed cells, all a sweep keeps of its read. */
export interface CrawlRow {
  site: string;
  sku: string;
  cells: string[];
}

export function crawlRow(r: CrawlResult): CrawlRow {
  return {
    site: r.site,
    sku: r.sku,
    cells: [
      r.site,
      safeText(r.sku, 30),
      r.draft.status,
      r.draft.amountMinor !== null && r.draft.currency ? formatMoney(r.draft.amountMinor, r.draft.currency) : '',
      r.verdict?.kind === 'violation'
        ? `VIOLATION ${r.verdict.percentBelow}% below ${formatMoney(r.verdict.mapMinor, r.verdict.currency)}`
        : (r.verdict?.kind ?? ''),
      safeText(
        r.verdict?.kind === 'not_comparable'
          ? r.verdict.detail
          : r.draft.status !== 'ok'
            ? r.draft.reason
            : explainRule(r.verdict),
        70,
      ),
    ],
  };
}

/**
 * The crawl's table and totals. `rows` are the listings' lines (crawlRow), collected while the crawl
 * ran (`mapwatch crawl` keeps only these, not the whole results); by default made from summary.results.
 */
export function formatCrawlSummary(
  summary: CrawlSummary,
  rows: readonly CrawlRow[] = summary.results.map(crawlRow),
): string {
  const sorted = [...rows]
    .sort((a, b) => a.site.localeCompare(b.site) || a.sku.localeCompare(b.sku))
    .map((r) => r.cells);
  const counts = Object.entries(summary.byStatus)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return (
    table(['site', 'sku', 'status', 'price', 'verdict', 'detail'], sorted) +
    `\n\nChecked ${summary.checked} listing(s): ${counts}. ` +
    `Cases: ${summary.cases.opened} opened, ${summary.cases.updated} updated, ${summary.cases.resolved} resolved` +
    (summary.cases.suppressed ? `, ${summary.cases.suppressed} violation(s) suppressed (site needs attention)` : '') +
    (summary.cases.dismissed ? `, ${summary.cases.dismissed} violation(s) held by an earlier dismissal` : '') +
    '.' +
    summary.healthChanges
      .map((h) =>
        h.suppressed
          ? `\nSite ${h.site} is now suppressed: ${h.reason ?? 'extraction broken'} (no new cases until it recovers).`
          : `\nSite ${h.site} recovered: ${h.reason ?? 'reads extract a price again'}.`,
      )
      .join('')
  );
}

/** What normalization or promo shaped a verdict, in a few words. */
function explainRule(v: Verdict | null): string {
  if (!v || v.kind === 'not_comparable') return '';
  const parts: string[] = [];
  const { rule } = v;
  if (rule.vatAdjustment !== 'none')
    parts.push(
      `${rule.vatAdjustment === 'removed' ? 'net of' : 'plus'} ${rule.vatRatePercent}% VAT: ${formatMoney(v.normalizedMinor, v.currency)}`,
    );
  if (rule.packFactor.listingPackSize !== rule.packFactor.productPackSize)
    parts.push(`${rule.packFactor.listingPackSize}-pack vs MAP for ${rule.packFactor.productPackSize}`);
  if (rule.promo)
    parts.push(`promo${rule.promo.note ? ` "${rule.promo.note}"` : ''}: MAP ${formatMoney(rule.mapMinor, v.currency)}`);
  return parts.join('; ');
}

export function formatCases(rows: CaseRow[]): string {
  return table(
    [
      'case',
      'status',
      'severity',
      'reseller',
      'sku',
      'MAP',
      'lowest',
      '% below',
      'reads',
      'last seen (UTC)',
      'url',
      'note',
    ],
    rows.map((r) => [
      `#${r.id}`,
      r.status,
      r.severity,
      safeText(r.reseller, 30),
      safeText(r.sku, 24),
      formatMoney(r.mapMinor, r.currency),
      formatMoney(r.lowestMinor, r.currency),
      `${r.percentBelow}%`,
      String(r.observations),
      r.lastSeenAt.toISOString().slice(0, 16).replace('T', ' '),
      safeText(r.url, 60),
      safeText(r.note ?? '', 60),
    ]),
  );
}
