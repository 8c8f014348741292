/**
 * The channel audit of one reseller as a printable HTML document, one section per printed
 * page (each section breaks before it), rendered to PDF by Chromium (src/fetch/browser/render-pdf.ts) for
 * `mapwatch audit` and the app's download. Self-contained (its own print stylesheet, no
 * script, no external request), and every value from the catalog or a crawled page is
 * escaped.
 */
import type { AuditData } from '../../kpis/collect-audit.js';
import { formatKpiValue, KPI_COLUMNS } from '../../kpis/format-kpis.js';
import { KPIS } from '../../kpis/kpi-definitions.js';
import { formatMoney } from '../../normalize/currency.js';
import { html, raw, type SafeHtml } from '../html.js';

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '–');

const STYLE = raw(`
@page { size: A4; margin: 16mm 14mm; }
body { font: 10.5pt/1.4 system-ui, sans-serif; color: #1d2330; }
h1 { font-size: 18pt; margin: 0 0 4pt; } h2 { font-size: 14pt; margin: 0 0 8pt; }
section { break-before: page; } section:first-of-type { break-before: auto; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border-bottom: 1px solid #dde1e8; padding: 3pt 4pt; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; } .muted { color: #5d6677; } code { font-size: 8pt; word-break: break-all; }
`);

export function renderAuditHtml(a: AuditData): SafeHtml {
  const tier = a.scorecard.tier[0];
  const mine = a.scorecard.reseller;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Channel audit: ${a.reseller.name}, ${a.from} to ${a.to}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <section>
          <h1>Channel audit: ${a.reseller.name}</h1>
          <p class="muted">
            ${a.from} to ${a.to} (days in ${a.timeZone}). Tier ${a.reseller.tier ?? '(none)'}, region
            ${a.reseller.region ?? '(none)'}, ${a.reseller.authorized ? 'authorized' : 'not authorized'}.
          </p>
          <h2>Scorecard</h2>
          <table>
            <thead>
              <tr>
                <th>KPI</th>
                <th class="num">${a.reseller.name}</th>
                <th class="num">tier ${a.reseller.tier ?? '(none)'}</th>
                <th>definition</th>
              </tr>
            </thead>
            <tbody>
              ${KPI_COLUMNS.map(
                (id) =>
                  html`<tr>
                    <td>${KPIS[id].label}</td>
                    <td class="num">${formatKpiValue(id, mine?.kpis[id] ?? null)}</td>
                    <td class="num">${formatKpiValue(id, tier?.kpis[id] ?? null)}</td>
                    <td class="muted">${KPIS[id].description}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <p class="muted">
            Reads: ${mine?.sums.reads ?? 0} (${mine?.sums.trustworthyReads ?? 0} trustworthy). The tier column sums
            every reseller of the tier.
          </p>
        </section>
        <section>
          <h2>Listings covered</h2>
          ${
            a.listings.length
              ? html`<table>
                  <thead>
                    <tr>
                      <th>site</th>
                      <th>SKU</th>
                      <th>product</th>
                      <th class="num">reads</th>
                      <th>last read</th>
                      <th>URL</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${a.listings.map(
                      (l) =>
                        html`<tr>
                          <td>${l.site}</td>
                          <td>${l.sku}</td>
                          <td>${l.product}</td>
                          <td class="num">${l.reads}</td>
                          <td>${when(l.lastReadAt)}</td>
                          <td><code>${l.url}</code></td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
              : html`<p>No listings.</p>`
          }
        </section>
        <section>
          <h2>Violations</h2>
          ${
            a.violations.length
              ? html`<table>
                  <thead>
                    <tr>
                      <th>case</th>
                      <th>SKU</th>
                      <th class="num">lowest</th>
                      <th class="num">MAP</th>
                      <th>status</th>
                      <th>first seen</th>
                      <th>evidence (manifest SHA-256)</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${a.violations.map(
                      (v) =>
                        html`<tr>
                          <td>#${v.caseId}</td>
                          <td>${v.sku}</td>
                          <td class="num">${formatMoney(v.lowestMinor, v.currency)}</td>
                          <td class="num">${formatMoney(v.mapMinor, v.currency)}</td>
                          <td>
                            ${v.status}${v.closedAt ? html`<br /><span class="muted">${when(v.closedAt)}</span>` : ''}
                          </td>
                          <td>${when(v.firstSeenAt)}</td>
                          <td>
                            ${
                              v.evidence.length
                                ? v.evidence.map(
                                    (e) => html`<div>${when(e.capturedAt)}<br /><code>${e.manifestSha256}</code></div>`,
                                  )
                                : html`<span class="muted">none</span>`
                            }
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
              : html`<p>No violation cases in this period.</p>`
          }
        </section>
        <section>
          <h2>Notices sent and what followed</h2>
          ${
            a.notices.length
              ? html`<table>
                  <thead>
                    <tr>
                      <th>case</th>
                      <th class="num">step</th>
                      <th>sent</th>
                      <th>case now</th>
                      <th>back in compliance</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${a.notices.map(
                      (n) =>
                        html`<tr>
                          <td>#${n.caseId}</td>
                          <td class="num">${n.step ?? '–'}</td>
                          <td>${when(n.sentAt)}</td>
                          <td>${n.caseStatus}</td>
                          <td>${n.caseStatus === 'resolved' ? when(n.closedAt) : 'not yet'}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
              : html`<p>No notices were sent in this period.</p>`
          }
        </section>
        <section>
          <h2>Variance against MSRP</h2>
          <table>
            <thead>
              <tr>
                <th></th>
                <th class="num">${a.reseller.name}</th>
                <th class="num">tier ${a.reseller.tier ?? '(none)'}</th>
              </tr>
            </thead>
            <tbody>
              ${(['msrp_variance', 'msrp_variance_p10', 'msrp_variance_p90'] as const).map(
                (id) =>
                  html`<tr>
                    <td>${KPIS[id].label}</td>
                    <td class="num">${formatKpiValue(id, mine?.kpis[id] ?? null)}</td>
                    <td class="num">${formatKpiValue(id, tier?.kpis[id] ?? null)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <p class="muted">${KPIS.msrp_variance.description}</p>
        </section>
        <section>
          <h2>Unauthorized sellers seen</h2>
          ${
            a.unauthorizedSellers.length
              ? html`<table>
                  <thead>
                    <tr>
                      <th>seller</th>
                      <th>SKU</th>
                      <th class="num">reads</th>
                      <th>last seen</th>
                      <th>URL</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${a.unauthorizedSellers.map(
                      (u) =>
                        html`<tr>
                          <td>${u.seller}</td>
                          <td>${u.sku}</td>
                          <td class="num">${u.reads}</td>
                          <td>${when(u.lastSeenAt)}</td>
                          <td><code>${u.url}</code></td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
              : html`<p>No unauthorized sellers were seen on this reseller's sites in this period.</p>`
          }
        </section>
      </body>
    </html>`;
}

/** The section headings, in page order (the test checks one per page). */
export const AUDIT_SECTIONS = [
  'Scorecard',
  'Listings covered',
  'Violations',
  'Notices sent and what followed',
  'Variance against MSRP',
  'Unauthorized sellers seen',
];
