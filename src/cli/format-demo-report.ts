/**
 * The demo's closing summary: one section per thing a newcomer should see the product do,
 * each stated from what the pipeline recorded. Page text (product names, seller names,
 * reasons) is untrusted and goes through safeText.
 */
import path from 'node:path';
import { safeText, table } from './output.js';
import { pct } from '../health/judge-site-health.js';
import { stateLabel } from '../health/site-health-state.js';
import { formatMoney } from '../normalize/currency.js';
import { kpiTable } from '../kpis/format-kpis.js';
import type { DemoReport } from '../demo/collect-demo-report.js';
import type { DemoResult } from '../demo/run-demo.js';

const money = (minor: number | null, cur: string | null) => (minor === null || !cur ? '-' : formatMoney(minor, cur));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatDemoReport(result: DemoResult): string {
  const r: DemoReport = result.report;
  const p = r.paths;
  const rel = (f: string) => path.relative(p.workspace, f) || '.';
  const out: string[] = [];
  const section = (title: string, ...lines: string[]) => out.push('', `== ${title}`, ...lines);

  section(
    `Violation cases (${r.cases.length})`,
    table(
      ['case', 'reseller', 'sku', 'price', 'MAP', '% below', 'severity', 'evidence', 'screenshot'],
      r.cases.map((c) => [
        `#${c.id}`,
        safeText(c.reseller, 24),
        c.sku,
        money(c.lowestMinor, c.currency),
        money(c.mapMinor, c.currency),
        `${c.percentBelow}%`,
        c.severity,
        `${c.evidenceRows} capture(s)`,
        c.screenshot ? rel(c.screenshot) : '-',
      ]),
    ),
  );

  section(
    'Re-check before accusing',
    ...(r.rejectedRechecks.length
      ? r.rejectedRechecks.map(
          (x) =>
            `${safeText(x.reseller)} ${x.sku}: first read ${money(x.first.amountMinor, x.first.currency)} (below MAP), re-read ${x.second ? (x.second.status === 'ok' ? money(x.second.amountMinor, x.second.currency) : x.second.status) : 'failed'}: the reads disagree, so no case was opened (both observations kept).`,
        )
      : ['No re-check disagreed.']),
  );

  section(
    'Promo window',
    ...(r.promoReads.length
      ? r.promoReads.map(
          (x) =>
            `${safeText(x.reseller)} ${x.sku}: ${money(x.observedMinor, x.currency)} is below the regular MAP ${money(x.baseMapMinor, x.currency)}, but the promo${x.note ? ` "${safeText(x.note)}"` : ''} lowers MAP to ${money(x.mapMinor, x.currency)}: ${x.verdict}.`,
        )
      : ['No read fell inside a promo window.']),
  );

  section(
    'VAT-inclusive prices',
    ...(r.vatReads.length
      ? r.vatReads.map(
          (x) =>
            `${safeText(x.reseller)} ${x.sku}: page says "${safeText(x.raw ?? money(x.observedMinor, x.currency), 30)}" incl. ${x.ratePercent}% VAT = ${money(x.normalizedMinor, x.currency)} net vs MAP ${money(x.mapMinor, x.currency)}: ${x.verdict === 'violation' ? `VIOLATION, ${x.percentBelow}% below` : x.verdict}.`,
        )
      : ['No VAT-inclusive read.']),
  );

  section(
    'Findings',
    ...r.evasion.map(
      (x) =>
        `MAP evasion: ${safeText(x.reseller)} ${x.sku} hides its price ("${x.phrases.map((s) => safeText(s, 40)).join('", "')}")${x.revealedBySteps ? `; the browser put it in the cart and read ${money(x.priceMinor, x.currency)}` : ''}.`,
    ),
    ...r.unauthorizedSellers.map(
      (x) =>
        `Unauthorized seller: "${safeText(x.seller, 40)}" offers ${x.sku} on ${safeText(x.reseller)} at ${x.amount} ${x.currency}${x.below_map === null ? ' (not comparable with MAP)' : x.below_map ? `, ${x.percent_below}% below MAP ${money(x.map_minor, x.currency)}` : ', at or above MAP'}${x.listingDiscovered ? ' (a listing found by discovery)' : ''}.${x.evidenceSha256 ? ` Page kept as evidence #${x.evidence_id}, manifest sha256 ${x.evidenceSha256}.` : ''}`,
    ),
    ...(r.evasion.length + r.unauthorizedSellers.length ? [] : ['None.']),
  );

  section(
    'Discovery',
    ...(result.discovery.length
      ? result.discovery.map(
          (d) =>
            `${d.site}: ${d.found} product page(s) found (robots.txt sitemap), ${d.matched} matched to the catalog and listed, ${d.review} for review; ${d.requests} requests at ${d.rate.requestsPerSecond}/s (limit ${d.rate.limitPerSecond}/s).`,
        )
      : ['No site has a discover: section.']),
  );

  section(
    'Site health',
    table(
      ['site', 'state', 'extraction', 'blocked', 'reads'],
      r.health.map((h) => [
        h.site,
        stateLabel(h.state),
        h.successRate === null ? '-' : pct(h.successRate),
        h.blockedRate === null ? '-' : pct(h.blockedRate),
        String(h.reads),
      ]),
    ),
    ...r.health
      .filter((h) => h.suppressed)
      .map((h) => `${h.site}: suppressed (reads recorded, no new cases): ${safeText(h.reason, 160)}`),
    ...[...new Set(r.blockReasons.map((b) => b.site))].map(
      (site) =>
        `${site}: blocked: ${[...new Set(r.blockReasons.filter((b) => b.site === site).map((b) => safeText(b.reason.split(':')[0], 40)))].join(', then ')} (never parsed for a price)`,
    ),
    ...r.readErrors.map((e) => `${e.site} ${e.sku}: error: ${safeText(e.reason, 160)}`),
  );

  const kinds = new Map<string, number>();
  for (const e of r.emails) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  section(
    `Emails (${r.emails.length}: ${[...kinds].map(([k, n]) => `${n} ${k.replace('_', ' ')}`).join(', ')}) in ${p.outbox}`,
    ...r.emails.map(
      (e) =>
        `${e.kind.padEnd(10)} to ${e.to}: ${safeText(e.subject, 90)}${e.status === 'sent' ? '' : ` [${e.status}]`}`,
    ),
    ...(r.notices.length
      ? [
          `${r.notices.length} reseller notice(s) proposed, waiting for approval (\`mapwatch cases approve-notice N\`)${r.notices.some((n) => n.status === 'blocked') ? '; notices to EU/EEA resellers are held by the jurisdiction guard' : ''}.`,
        ]
      : []),
  );

  const ttfv = r.firstViolationWithEvidenceMs;
  section(
    'Timing',
    `Time to the first violation with evidence: ${ttfv === null ? 'none recorded' : secs(ttfv)} (target ≤ 60 s).`,
    `Sweeps: ${result.sweeps.map((s, i) => `#${i + 1} ${s.listings} listings in ${secs(s.ms)}`).join(', ')}. Whole demo: ${secs(result.totalMs)}.`,
  );

  section(
    'Where everything is',
    `workspace        ${p.workspace}`,
    `site configs     ${p.crawlers}/*.yaml`,
    `catalog CSVs     ${p.catalog}`,
    `notify config    ${p.config}`,
    `evidence         ${p.evidence} (content-addressed; hashes and chain in the database)`,
    `screenshots      ${p.screenshots} (annotated copies, one per case)`,
    `emails (.eml)    ${p.outbox}`,
    '',
    'Look around with the same commands a deployment uses:',
    `  export MAPWATCH_DATA_DIR=${p.workspace} MAPWATCH_CRAWLERS_DIR=${p.crawlers} MAPWATCH_CONFIG=${p.config}`,
    '  npx mapwatch cases        npx mapwatch sites health        npx mapwatch outbox',
    '  npx mapwatch evidence export --case 1 --out case-1.zip',
    '  npx mapwatch kpis --by tier',
  );

  const byReseller = kpiTable(r.kpis.byReseller, { dimension: 'reseller', clean: (s) => safeText(s, 24) });
  const byTier = kpiTable(r.kpis.byTier, { dimension: 'tier', clean: (s) => safeText(s, 24) });
  section(
    'Channel KPIs (compliant = share of trustworthy reads at or above MAP; depth = mean % below MAP; vs MSRP = mean variance against list price)',
    table(byReseller[0]!, byReseller.slice(1)),
    '',
    table(byTier[0]!, byTier.slice(1)),
  );
  return out.join('\n');
}
