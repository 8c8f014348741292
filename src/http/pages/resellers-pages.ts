/** /resellers and /resellers/:id: cases, notice-ladder level and the 30-day compliance summary per reseller. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { InvalidInputError } from '../../errors.js';
import { collectAudit } from '../../kpis/collect-audit.js';
import { rollUpDue } from '../../kpis/roll-up-due.js';
import { can } from '../auth/permissions.js';
import { renderAuditHtml } from './render-audit.js';
import { renderPdf } from '../../fetch/browser/render-pdf.js';
import { getReseller } from '../../queries/get-reseller.js';
import { COMPLIANCE_WINDOW_DAYS, type ResellerRow } from '../../queries/list-resellers.js';
import { pagingQuery } from '../api/list-query.js';
import { ladderReset, resellersFilter, resellersQuery } from '../api/resellers-api.js';
import { html, safeHref } from '../html.js';
import { layout } from './layout.js';
import { pageRoute } from './page-route.js';
import { filterForm, listFooter, money, parseQuery, pct, select, textInput, when } from './page-parts.js';

function compliance(r: ResellerRow) {
  return r.comparedReads
    ? html`<span class="rate ${r.complianceRate !== null && r.complianceRate < 0.9 ? 'bad' : 'good'}"
          >${pct(r.complianceRate)}</span
        >
        <span class="muted">of ${r.comparedReads}</span>`
    : html`<span class="muted">no reads</span>`;
}

function ladder(level: number) {
  return level
    ? html`<span class="badge ${level >= 3 ? 'bad' : 'warn'}" title="notice step ${level} of 3"
        >step ${level}${level >= 3 ? ' (final)' : ''}</span
      >`
    : html`<span class="muted">–</span>`;
}

export function resellersPages(deps: { ctx: AppContext }): Router {
  const router = Router();
  const db = deps.ctx.db;
  const tz = deps.ctx.config?.MAPWATCH_REPORT_TIME_ZONE ?? 'UTC';
  const query = resellersFilter.extend(pagingQuery);
  pageRoute(router, { path: '/resellers', permission: 'read' }, async ({ user, req }) => {
    const f = parseQuery(query, req.query);
    const page = await resellersQuery(db, f, f.limit, f.cursor);
    const body = html`<h1>Resellers</h1>
      <p class="lead">
        Compliance is the share of the last ${COMPLIANCE_WINDOW_DAYS} days' trustworthy reads (a price read and compared
        with MAP) at or above MAP.
      </p>
      ${filterForm([
        textInput('q', 'Name', f.q),
        textInput('region', 'Region', f.region),
        textInput('tier', 'Tier', f.tier),
        select(
          'authorized',
          'Authorized',
          ['true', 'false'],
          f.authorized === undefined ? undefined : String(f.authorized),
        ),
      ])}
      ${
        page.items.length
          ? html`<div class="table-wrap">
              <table class="data" id="resellers-table" aria-label="Resellers">
                <thead>
                  <tr>
                    <th scope="col">Reseller</th>
                    <th scope="col">Tier</th>
                    <th scope="col">Region</th>
                    <th scope="col">Authorized</th>
                    <th scope="col">Sites</th>
                    <th scope="col">Open cases</th>
                    <th scope="col">Closed cases</th>
                    <th scope="col">Notice level</th>
                    <th scope="col">Compliance (${COMPLIANCE_WINDOW_DAYS} d)</th>
                    <th scope="col">Last violation (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map(
                    (r) =>
                      html`<tr data-testid="reseller-row">
                        <td><a href="/resellers/${r.id}">${r.name}</a></td>
                        <td>${r.tier ?? '–'}</td>
                        <td>${r.region ?? '–'}</td>
                        <td>${r.authorized ? 'yes' : html`<strong class="bad">no</strong>`}</td>
                        <td class="num">${r.sites}</td>
                        <td class="num">
                          ${r.openCases ? html`<a href="/cases?reseller=${encodeURIComponent(r.name)}">${r.openCases}</a>` : '0'}
                        </td>
                        <td class="num">${r.closedCases}</td>
                        <td>${ladder(r.noticeLevel)}</td>
                        <td>${compliance(r)}</td>
                        <td>${when(r.lastViolationAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No resellers match.</p>`
      }
      ${listFooter(req, { nextCursor: page.nextCursor, csvPath: '/api/v1/resellers.csv', shown: page.items.length })}`;
    return layout({ title: 'Resellers', user, section: '/resellers', body });
  });

  const idParam = z.object({ id: z.coerce.number().int().min(1) });
  pageRoute(router, { path: '/resellers/:id', permission: 'read' }, async ({ user, req }) => {
    const { id } = parseQuery(idParam, req.params);
    const r = await getReseller(db, id, { resetAfterDaysClean: ladderReset() });
    const defaults = auditPeriod({}, tz);
    const body = html`<p class="crumbs"><a href="/resellers">Resellers</a></p>
      <h1>${r.name}</h1>
      <dl class="facts" id="reseller-summary">
        <dt>Tier</dt>
        <dd>${r.tier ?? '–'}</dd>
        <dt>Region</dt>
        <dd>${r.region ?? '–'}</dd>
        <dt>Authorized</dt>
        <dd>${r.authorized ? 'yes' : 'no'}</dd>
        <dt>Contact</dt>
        <dd>${r.contactEmail ?? '–'}</dd>
        <dt>Notice level</dt>
        <dd>${ladder(r.noticeLevel)}</dd>
        <dt>Compliance (${COMPLIANCE_WINDOW_DAYS} d)</dt>
        <dd>${compliance(r)}</dd>
        <dt>Cases</dt>
        <dd>${r.openCases} open, ${r.closedCases} closed</dd>
        <dt>Last violation</dt>
        <dd>${when(r.lastViolationAt)}</dd>
      </dl>
      ${
        can(user.role, 'evidence:export')
          ? html`<form class="filters audit-form" method="get" action="/resellers/${r.id}/audit.pdf" id="audit-form">
              <strong>Channel audit (PDF)</strong>
              <label>From <input type="date" name="from" value="${defaults.from}" /></label>
              <label>To <input type="date" name="to" value="${defaults.to}" /></label>
              <button type="submit">Download</button>
              <span class="muted"
                >scorecard against the tier, listings, violations with evidence hashes, notices, MSRP, unauthorized
                sellers</span
              >
            </form>`
          : ''
      }
      <h2>Sites</h2>
      ${
        r.siteList.length
          ? html`<ul class="sites">
              ${r.siteList.map(
                (s) =>
                  html`<li>
                    <a href="/sites/${encodeURIComponent(s.name)}">${s.name}</a> (${s.domain}, ${s.listings} listing(s),
                    ${s.state.replace('_', ' ')})
                  </li>`,
              )}
            </ul>`
          : html`<p class="empty">No sites.</p>`
      }
      <h2>Cases</h2>
      ${
        r.cases.length
          ? html`<div class="table-wrap">
              <table class="data" id="reseller-cases" aria-label="Cases of ${r.name}">
                <thead>
                  <tr>
                    <th scope="col">Case</th>
                    <th scope="col">Status</th>
                    <th scope="col">Severity</th>
                    <th scope="col">SKU</th>
                    <th scope="col">Product</th>
                    <th scope="col">Site</th>
                    <th scope="col">Lowest</th>
                    <th scope="col">MAP</th>
                    <th scope="col">Last seen (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  ${r.cases.map(
                    (c) =>
                      html`<tr>
                        <td><a href="/cases/${c.id}">#${c.id}</a></td>
                        <td><span class="badge status-${c.status}">${c.status}</span></td>
                        <td>${c.severity}</td>
                        <td>${c.sku}</td>
                        <td>
                          <a href="${safeHref(c.url)}" rel="noopener noreferrer nofollow" target="_blank"
                            >${c.product}</a
                          >
                        </td>
                        <td>${c.site}</td>
                        <td class="num">${money(c.lowestMinor, c.currency)}</td>
                        <td class="num">${money(c.mapMinor, c.currency)}</td>
                        <td>${when(c.lastSeenAt)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No cases.</p>`
      }
      <h2>Notices</h2>
      ${
        r.notices.length
          ? html`<ul class="notices">
              ${r.notices.map(
                (n) =>
                  html`<li>
                    ${when(n.at)} <a href="/cases/${n.caseId}">case #${n.caseId}</a>:
                    ${n.step ? `step ${n.step}` : 'no step'}, ${n.status}${n.reason ? ` (${n.reason})` : ''}
                  </li>`,
              )}
            </ul>`
          : html`<p class="empty">No notices.</p>`
      }`;
    return layout({ title: r.name, user, section: '/resellers', body });
  });

  // The channel audit as a download: the same collector and HTML as `mapwatch audit`, printed by
  // the Chromium this process already runs for reads (launched on first use). It names evidence
  // hashes and is meant to leave the building, so it needs the evidence export permission.
  pageRoute(router, { path: '/resellers/:id/audit.pdf', permission: 'evidence:export' }, async ({ req, res }) => {
    const { id } = parseQuery(idParam, req.params);
    const range = auditPeriod(parseQuery(auditQuery, req.query), tz);
    await rollUpDue(db, { timeZone: tz });
    const data = await collectAudit(db, { reseller: String(id), ...range, timeZone: tz });
    const pdf = await renderPdf(deps.ctx.browser, renderAuditHtml(data).value);
    const slug = data.reseller.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || `reseller-${id}`;
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', `attachment; filename="audit-${slug}-${range.from}-${range.to}.pdf"`)
      .send(pdf);
    return undefined;
  });
  return router;
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const auditQuery = z.object({ from: day.optional(), to: day.optional() });

/** The audit's period: the given days, else the last 30 days to today in the reporting zone. */
function auditPeriod(q: { from?: string; to?: string }, tz: string): { from: string; to: string } {
  const to = q.to ?? new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw new InvalidInputError(`query.from: ${from} is after to ${to}`);
  return { from, to };
}
