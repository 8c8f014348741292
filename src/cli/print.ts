/** Human-readable renderings shared by `crawl`, `cases` and `demo`. */
import type { Verdict } from '../compare/compare-to-map.js';
import { formatMoney } from '../normalize/currency.js';
import type { CaseRow } from '../queries/list-cases.js';
import type { CrawlSummary } from '../check/crawl-now.js';
import { safeText, table } from './output.js';

export function formatCrawlSummary(summary: CrawlSummary): string {
  const rows = [...summary.results]
    .sort((a, b) => a.site.localeCompare(b.site) || a.sku.localeCompare(b.sku))
    .map((r) => [
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
    ]);
  const counts = Object.entries(summary.byStatus)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return (
    table(['site', 'sku', 'status', 'price', 'verdict', 'detail'], rows) +
    `\n\nChecked ${summary.checked} listing(s): ${counts}. ` +
    `Cases: ${summary.cases.opened} opened, ${summary.cases.updated} updated, ${summary.cases.resolved} resolved` +
    (summary.cases.suppressed ? `, ${summary.cases.suppressed} violation(s) suppressed (site needs attention).` : '.') +
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
