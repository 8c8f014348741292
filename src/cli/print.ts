/** Human-readable renderings shared by `crawl`, `cases` and `demo`. */
import { formatMoney } from '../normalize/currency.js';
import type { CaseRow } from '../review/list-cases.js';
import type { CrawlSummary } from '../schedule/crawl-now.js';
import { safeText, table } from './output.js';

export function formatCrawlSummary(summary: CrawlSummary): string {
  const rows = [...summary.results]
    .sort((a, b) => a.site.localeCompare(b.site) || a.sku.localeCompare(b.sku))
    .map((r) => [
      r.site,
      safeText(r.sku, 30),
      r.draft.status,
      r.draft.amountMinor !== null && r.draft.currency ? formatMoney(r.draft.amountMinor, r.draft.currency) : '',
      r.verdict?.kind === 'violation' ? `VIOLATION ${r.verdict.percentBelow}% below ${formatMoney(r.verdict.mapMinor, r.verdict.currency)}` : (r.verdict?.kind ?? ''),
      safeText(r.verdict?.kind === 'not_comparable' ? r.verdict.detail : r.draft.status !== 'ok' ? r.draft.reason : '', 70),
    ]);
  const counts = Object.entries(summary.byStatus).map(([k, v]) => `${v} ${k}`).join(', ');
  return (
    table(['site', 'sku', 'status', 'price', 'verdict', 'detail'], rows) +
    `\n\nChecked ${summary.checked} listing(s): ${counts}. ` +
    `Cases: ${summary.cases.opened} opened, ${summary.cases.updated} updated, ${summary.cases.resolved} resolved.`
  );
}

export function formatCases(rows: CaseRow[]): string {
  return table(
    ['case', 'status', 'severity', 'reseller', 'sku', 'MAP', 'lowest', '% below', 'reads', 'last seen (UTC)', 'url'],
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
    ]),
  );
}
