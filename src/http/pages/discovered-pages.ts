/**
 * /discovered: pages discovery found whose match to the catalog was not confident enough to
 * make a listing alone (title-only matches, contradictions such as another brand on the
 * OEM's GTIN), with what the page says beside the proposed product, how it matched, and
 * why it waits. "Accept" makes the listing, "Reject" drops the page; ops and admin only
 * (`listings:review`), through the CLI's own operation with the signed-in user recorded.
 * Titles, brands and URLs are crawled text: every one goes through html`` and safeHref.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { listRecentReviews, type ReviewedItem, type ReviewItem } from '../../queries/list-discovered.js';
import type { AuthUser } from '../auth/auth-user.js';
import { can } from '../auth/permissions.js';
import { decideDiscovered, discoveredFilter, discoveredQuery, reviewBody } from '../api/discovered-api.js';
import { pagingQuery } from '../api/list-query.js';
import { html, safeHref, type SafeHtml } from '../html.js';
import { csrfField, layout } from './layout.js';
import { pageRoute } from './page-route.js';
import { filterForm, listFooter, parseQuery, textInput, when } from './page-parts.js';

const METHOD_LABEL: Record<string, string> = { gtin: 'GTIN', mpn_brand: 'MPN + brand', title: 'title only' };

/** Flash messages by code: the redirect carries a code and numbers, never text someone could forge into the page. */
const FLASH = {
  accepted: (id: number, listing?: number) => `Page ${id} accepted${listing ? `: it is listing ${listing}` : ''}.`,
  rejected: (id: number) => `Page ${id} rejected.`,
} as const;

function link(url: string): SafeHtml {
  // noreferrer: the reseller's server must not learn the review app's address.
  return html`<a class="url" href="${safeHref(url)}" rel="noopener noreferrer nofollow" target="_blank">${url}</a>`;
}

function facts(pairs: [string, string | null][]): SafeHtml {
  const shown = pairs.filter(([, v]) => v);
  return shown.length
    ? html`<dl class="facts compact">
        ${shown.map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${v}</dd>`,
        )}
      </dl>`
    : html`<span class="muted">no brand, GTIN or MPN</span>`;
}

function row(i: ReviewItem, user: AuthUser): SafeHtml {
  const act = can(user.role, 'listings:review');
  return html`<tr data-testid="discovered-row" data-id="${i.id}">
    <td>
      <div class="site">${i.site} <span class="muted">· ${i.source}</span></div>
      ${link(i.url)} ${i.finalUrl ? html`<div class="muted">now at ${link(i.finalUrl)}</div>` : ''}
    </td>
    <td class="page-says">
      <div class="title" data-testid="page-title">${i.pageName ?? ''}</div>
      ${facts([
        ['Brand', i.pageBrand],
        ['GTIN', i.pageGtin],
        ['MPN', i.pageMpn],
      ])}
    </td>
    <td class="proposed">
      ${
        i.sku
          ? html`<div><strong>${i.sku}</strong> ${i.productName ?? ''}</div>
              ${facts([
                ['Brand', i.productBrand],
                ['GTIN', i.productGtin],
                ['MPN', i.productMpn],
              ])}`
          : html`<span class="muted">none proposed</span>`
      }
    </td>
    <td>
      <span class="badge method-${i.method ?? 'none'}">${METHOD_LABEL[i.method ?? ''] ?? '–'}</span>
      <div class="muted" data-testid="confidence">
        confidence ${i.confidence === null ? '–' : i.confidence.toFixed(2)}
      </div>
    </td>
    <td class="why">${i.reason ?? ''}</td>
    <td class="actions">
      ${
        act
          ? html`<form method="post" action="/discovered/${i.id}/accept" class="inline stack-sm">
                ${csrfField(user)}
                <input
                  type="text"
                  name="sku"
                  size="10"
                  placeholder="other SKU"
                  aria-label="Accept page ${i.id} as another SKU (optional)"
                />
                <button type="submit" class="button primary" aria-label="Accept page ${i.id}">Accept</button>
              </form>
              <form method="post" action="/discovered/${i.id}/reject" class="inline">
                ${csrfField(user)}
                <button type="submit" class="button danger" aria-label="Reject page ${i.id}">Reject</button>
              </form>`
          : html`<span class="muted">ops or admin decide</span>`
      }
    </td>
  </tr>`;
}

function recent(list: ReviewedItem[]): SafeHtml {
  if (!list.length) return html``;
  return html`<h2>Decided lately</h2>
    <div class="table-wrap">
      <table class="data" id="reviewed-table" aria-label="Recent review decisions">
        <thead>
          <tr>
            <th scope="col">Page</th>
            <th scope="col">Decision</th>
            <th scope="col">Listing</th>
            <th scope="col">By</th>
            <th scope="col">When (UTC)</th>
          </tr>
        </thead>
        <tbody>
          ${list.map(
            (r) =>
              html`<tr data-testid="reviewed-row" data-id="${r.id}">
                <td>${r.site}: ${r.pageName ?? ''} ${link(r.url)}</td>
                <td>${r.state === 'matched' ? html`accepted as <strong>${r.sku ?? ''}</strong>` : 'rejected'}</td>
                <td class="num">${r.listingId ?? '–'}</td>
                <td>${r.reviewedBy}</td>
                <td>${when(r.reviewedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

export function discoveredPages(deps: { ctx: AppContext }): Router {
  const router = Router();
  const db = deps.ctx.db;
  const query = discoveredFilter.extend(pagingQuery).extend({
    done: z.enum(['accepted', 'rejected']).optional(),
    id: z.coerce.number().int().optional(),
    listing: z.coerce.number().int().optional(),
  });
  pageRoute(router, { path: '/discovered', permission: 'read' }, async ({ user, req }) => {
    const f = parseQuery(query, req.query);
    const page = await discoveredQuery(db, f, f.limit, f.cursor);
    const decided = await listRecentReviews(db, f.site ? { site: f.site } : {});
    const body = html`<h1>Discovered pages to review</h1>
      <p class="lead">
        Pages discovery found and matched to the catalog too weakly to become listings on their own: title-only matches,
        and pages whose identifiers contradict each other. Accept makes the page a listing of the proposed product (or
        of the SKU you type); reject drops it.
      </p>
      ${filterForm([textInput('site', 'Site', f.site)])}
      ${
        page.items.length
          ? html`<div class="table-wrap">
              <table class="data discovered" id="discovered-table" aria-label="Discovered pages waiting for review">
                <thead>
                  <tr>
                    <th scope="col">Candidate page</th>
                    <th scope="col">The page says</th>
                    <th scope="col">Proposed product</th>
                    <th scope="col">Match</th>
                    <th scope="col">Why it needs review</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map((i) => row(i, user))}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">Nothing waits for review.</p>`
      }
      ${listFooter(req, { nextCursor: page.nextCursor, csvPath: '/api/v1/discovered.csv', shown: page.items.length })}
      ${recent(decided)}`;
    const flash =
      f.done === 'accepted' && f.id
        ? FLASH.accepted(f.id, f.listing)
        : f.done === 'rejected' && f.id
          ? FLASH.rejected(f.id)
          : undefined;
    return layout({ title: 'Discovered', user, section: '/discovered', body, ...(flash ? { flash } : {}) });
  });

  const idParam = z.object({ id: z.coerce.number().int().min(1) });
  for (const decision of ['accept', 'reject'] as const)
    pageRoute(
      router,
      { method: 'post', path: `/discovered/:id/${decision}`, permission: 'listings:review' },
      async ({ user, req, res }) => {
        const { id } = parseQuery(idParam, req.params);
        const { sku } = parseQuery(reviewBody.pick({ sku: true }), req.body ?? {});
        const r = await decideDiscovered(db, user, id, { decision, ...(decision === 'accept' && sku ? { sku } : {}) });
        const back = r.state === 'matched' ? `done=accepted&id=${id}&listing=${r.listingId}` : `done=rejected&id=${id}`;
        res.redirect(303, `/discovered?${back}`);
        return undefined;
      },
    );
  return router;
}
