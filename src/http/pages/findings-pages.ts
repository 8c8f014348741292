/**
 * /findings: unauthorized marketplace sellers, MAP evasion and grey-market signals (never MAP
 * violations: they have no "below MAP" count), grouped by seller, with the
 * same filters as `/api/v1/findings`. Seller names and URLs come from crawled pages: every
 * one goes through html`` (escaped) and safeHref.
 */
import { Router } from 'express';
import type { AppContext } from '../../context.js';
import type { FindingGroup } from '../../queries/list-finding-groups.js';
import { findingsFilter, findingsQuery } from '../api/findings-api.js';
import { pagingQuery } from '../api/list-query.js';
import { html, safeHref } from '../html.js';
import { layout } from './layout.js';
import { can } from '../auth/permissions.js';
import { pageRoute } from './page-route.js';
import { filterForm, listFooter, parseQuery, select, textInput, when } from './page-parts.js';

const KIND_LABEL = {
  unauthorized_seller: 'Unauthorized seller',
  map_evasion: 'MAP evasion',
  grey_market: 'Grey market',
} as const;

/** The seller, its group and storefront link, or a grey-market read's signals. */
function sellerCell(f: FindingGroup) {
  return html`<td class="seller">
    ${f.seller}${f.group ? html` <span class="muted">(group ${f.group})</span>` : ''}
    ${
      f.storefrontUrl
        ? html`<br /><a href="${safeHref(f.storefrontUrl)}" rel="noopener noreferrer nofollow" target="_blank"
              >storefront</a
            >`
        : ''
    }
    ${
      f.signals.length
        ? html`<ul class="signals">
            ${f.signals.map((s) => html`<li>${s}</li>`)}
          </ul>`
        : ''
    }
  </td>`;
}

/**
 * The stored page that proves the finding: its chained manifest hash (what `mapwatch evidence
 * verify` checks) and page hash for everyone; links to the stored files for roles that may see evidence.
 */
function evidenceCell(f: FindingGroup, files: boolean) {
  const e = f.evidence;
  if (!e) return html`<td class="evidence muted">none kept</td>`;
  const links = [
    e.pageSha256 ? ['page.html', 'stored page'] : null,
    e.screenshot ? ['screenshot.png', 'screenshot'] : null,
    e.warc ? ['capture.warc', 'WARC'] : null,
  ].filter((x): x is string[] => x !== null);
  return html`<td class="evidence" data-testid="finding-evidence">
    <span class="badge">evidence #${e.id}</span> stored
    ${when(e.capturedAt)}${e.caseId !== null ? html` (case ${e.caseId})` : ''} <br /><span class="muted">manifest</span>
    <code class="hash" title="manifest SHA-256: its link in the evidence hash chain">${e.manifestSha256}</code>
    ${e.pageSha256 ? html`<br /><span class="muted">page</span> <code class="hash" title="stored page SHA-256">${e.pageSha256}</code>` : ''}
    ${
      files && links.length
        ? html`<br />${links.map(([file, label], i) => html`${i ? ' · ' : ''}<a href="/evidence/${e.id}/${file}" data-testid="evidence-${file}">${label}</a>`)}`
        : ''
    }
  </td>`;
}

function row(f: FindingGroup, files: boolean) {
  const price = f.lowestAmount && f.currency ? `${f.currency} ${f.lowestAmount}` : '–';
  return html`<tr data-testid="finding-row" class="finding ${f.kind}">
    <td>${KIND_LABEL[f.kind]}</td>
    ${sellerCell(f)}
    <td class="num">${f.listings}</td>
    <td class="num">${f.reads}</td>
    <td class="num">${f.kind === 'unauthorized_seller' ? f.belowMapListings : '–'}</td>
    <td class="num">${price}</td>
    <td>${f.sites.map((s, i) => html`${i ? ', ' : ''}<a href="/sites/${encodeURIComponent(s)}">${s}</a>`)}</td>
    <td>${when(f.firstSeenAt)}</td>
    <td>${when(f.lastSeenAt)}</td>
    <td>
      <a href="${safeHref(f.latest.url)}" rel="noopener noreferrer nofollow" target="_blank"
        >${f.latest.sku} on ${f.latest.site}</a
      >
    </td>
    ${evidenceCell(f, files)}
  </tr>`;
}

export function findingsPages(deps: { ctx: AppContext }): Router {
  const router = Router();
  const query = findingsFilter.extend(pagingQuery);
  pageRoute(router, { path: '/findings', permission: 'read' }, async ({ user, req }) => {
    const f = parseQuery(query, req.query);
    const page = await findingsQuery(deps.ctx.db, f, f.limit, f.cursor);
    const body = html`<h1>Findings</h1>
      <p class="lead">
        Unauthorized marketplace sellers, MAP evasion ("see price in cart") and grey-market signals (below dealer cost,
        non-genuine parts: for a person to weigh, never MAP violations), one row per seller.
      </p>
      ${filterForm([
        select('kind', 'Kind', ['unauthorized_seller', 'map_evasion', 'grey_market'], f.kind),
        textInput('q', 'Seller', f.q),
        textInput('site', 'Site', f.site),
        textInput('reseller', 'Reseller', f.reseller),
        textInput('days', 'Seen in the last N days', f.days, 'number'),
      ])}
      ${
        page.items.length
          ? html`<div class="table-wrap">
              <table class="data" id="findings-table" aria-label="Findings grouped by seller">
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Seller</th>
                    <th scope="col">Listings</th>
                    <th scope="col">Reads</th>
                    <th scope="col">Below MAP</th>
                    <th scope="col">Lowest price</th>
                    <th scope="col">Sites</th>
                    <th scope="col">First seen (UTC)</th>
                    <th scope="col">Last seen (UTC)</th>
                    <th scope="col">Latest read</th>
                    <th scope="col">Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map((x) => row(x, can(user.role, 'evidence:export')))}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No findings match.</p>`
      }
      ${listFooter(req, { nextCursor: page.nextCursor, csvPath: '/api/v1/findings.csv', shown: page.items.length })}`;
    return layout({ title: 'Findings', user, section: '/findings', body });
  });
  return router;
}
