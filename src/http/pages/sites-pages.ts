/**
 * /sites (health of every site), /sites/:name (latest reads, config problems) and the
 * "Test on a URL or saved page" form (ops and admin: `sites:act`). The test changes nothing,
 * so its POST answers with the result page itself rather than a redirect. Reasons, price
 * texts and offer names quote crawled pages: all escaped by html``.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { SitePageTest } from '../../check/test-site-page.js';
import type { AppContext } from '../../context.js';
import { formatProblem, UserError } from '../../errors.js';
import { FETCH_DEFAULTS } from '../../fetch/fetch-page.js';
import { SITE_HEALTH_STATES, stateLabel } from '../../health/site-health-state.js';
import { getSite, type SiteDetail } from '../../queries/get-site.js';
import type { SiteRow } from '../../queries/list-sites.js';
import type { AuthUser } from '../auth/auth-user.js';
import { can } from '../auth/permissions.js';
import { pagingQuery } from '../api/list-query.js';
import { runSiteTest, siteTestBody, sitesFilter, sitesQuery } from '../api/sites-api.js';
import { html, safeHref, type SafeHtml } from '../html.js';
import { csrfField, layout } from './layout.js';
import { pageRoute } from './page-route.js';
import { filterForm, listFooter, money, parseQuery, pct, select, textInput, when } from './page-parts.js';

/**
 * A saved page is posted in the form, so the test route takes bodies up to the fetch's own
 * page limit; mounted (build-app.ts) before the app's default body parsers, which then skip
 * the already-parsed body.
 */
export function siteTestBodyParsers(): Router {
  const router = Router();
  const limit = FETCH_DEFAULTS.maxBytes * 2; // urlencoding inflates markup
  router.post('/sites/:name/test', express.urlencoded({ extended: false, limit }));
  router.post('/api/v1/sites/:name/test', express.json({ limit }));
  return router;
}

function stateBadge(state: string, reason: string | null): SafeHtml {
  return html`<span class="badge state-${state}" title="${reason ?? ''}">${stateLabel(state as never)}</span>`;
}

function siteRow(s: SiteRow): SafeHtml {
  const h = s.health;
  return html`<tr data-testid="site-row" class="site state-${h.state}">
    <td><a href="/sites/${encodeURIComponent(s.name)}">${s.name}</a><br /><span class="muted">${s.domain}</span></td>
    <td><a href="/resellers/${s.resellerId}">${s.reseller}</a></td>
    <td>${stateBadge(h.state, h.stateReason)}${h.stateReason ? html`<div class="why">${h.stateReason}</div>` : ''}</td>
    <td class="num">${s.listings}</td>
    <td class="num">${pct(h.successRate)}</td>
    <td class="num">${pct(h.blockedRate)}</td>
    <td class="num">${h.recheckTotal ? `${h.recheckDisagreed} of ${h.recheckTotal}` : '–'}</td>
    <td class="num">${h.misreads ? html`<strong class="bad">${h.misreads}</strong>` : '0'}</td>
    <td>${h.suppressed ? html`<strong class="bad">since ${when(h.since)}</strong>` : 'no'}</td>
    <td>${when(h.lastGoodReadAt)}</td>
    <td>${when(s.lastReadAt)}</td>
  </tr>`;
}

function testForm(name: string, user: AuthUser, given?: { url?: string; html?: string }): SafeHtml {
  return html`<section class="site-test card" aria-labelledby="site-test-title">
    <h2 id="site-test-title">Test on a URL or saved page</h2>
    <p class="muted">
      Reads one page with this site's config, as a check would, and shows the offers found and the one chosen. Nothing
      is recorded.
    </p>
    <form method="post" action="/sites/${encodeURIComponent(name)}/test" id="site-test-form" class="stack">
      ${csrfField(user)}
      <label for="site-test-url">Page URL (on the site's domain)</label>
      <input id="site-test-url" name="url" type="url" value="${given?.url ?? ''}" placeholder="https://…" />
      <label for="site-test-html"
        >…or paste a saved page's HTML (the URL above, if given, is where it was saved from)</label
      >
      <textarea id="site-test-html" name="html" rows="6">${given?.html ?? ''}</textarea>
      <label for="site-test-file">…or choose a saved .html file</label>
      <input id="site-test-file" type="file" accept=".html,.htm,text/html" data-fills="site-test-html" />
      <button type="submit" class="button primary">Test</button>
    </form>
  </section>`;
}

function testResult(t: SitePageTest): SafeHtml {
  const p = t.primary;
  return html`<section class="site-test-result card" id="site-test-result" aria-labelledby="site-test-result-title">
    <h2 id="site-test-result-title">Result: ${t.status.replace('_', ' ')}</h2>
    <p>
      ${t.input === 'url' ? 'Read' : 'Saved page extracted as'}
      <a href="${safeHref(t.url)}" rel="noopener noreferrer nofollow">${t.url}</a>
      ${t.httpStatus ? html`(HTTP ${t.httpStatus})` : ''}
    </p>
    ${
      p
        ? html`<p class="chosen" data-testid="chosen-offer">
            Chosen: <strong>${p.currency} ${p.amount}</strong> from
            <code>${p.source}</code>${p.name ? html` · ${p.name}` : ''}${p.raw ? html` · page text “${p.raw}”` : ''}
          </p>`
        : html`<p class="chosen none" data-testid="chosen-offer">No price chosen.</p>`
    }
    ${t.reason ? html`<p class="why">Reason: ${t.reason}</p>` : ''}
    <h3>Why</h3>
    <ul class="why-list">
      ${t.why.map((w) => html`<li>${w}</li>`)}
    </ul>
    ${t.evasionPhrases.length ? html`<p class="bad">MAP evasion wording on the page: ${t.evasionPhrases.map((x) => `“${x}”`).join(', ')}</p>` : ''}
    <h3>Offers extracted (${t.offers.length})</h3>
    ${
      t.offers.length
        ? html`<div class="table-wrap">
            <table class="data" id="site-test-offers" aria-label="Offers extracted">
              <thead>
                <tr>
                  <th scope="col">Amount</th>
                  <th scope="col">Source</th>
                  <th scope="col">Name</th>
                  <th scope="col">SKU</th>
                  <th scope="col">Seller</th>
                  <th scope="col">Availability</th>
                  <th scope="col">Chosen</th>
                </tr>
              </thead>
              <tbody>
                ${t.offers.map(
                  (o) =>
                    html`<tr
                      class="${p && o.amount === p.amount && o.currency === p.currency && o.source === p.source ? 'chosen' : ''}"
                    >
                      <td class="num">${o.currency} ${o.amount}</td>
                      <td><code>${o.source}</code></td>
                      <td>${o.name ?? ''}</td>
                      <td>${o.sku ?? ''}</td>
                      <td>${o.seller ?? ''}</td>
                      <td>${o.availability ?? ''}</td>
                      <td>
                        ${p && o.amount === p.amount && o.currency === p.currency && o.source === p.source ? '✓' : ''}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p class="empty">None.</p>`
    }
    ${
      t.warnings.length
        ? html`<h3>Extractor notes</h3>
            <ul class="warnings">
              ${t.warnings.map((w) => html`<li>${w}</li>`)}
            </ul>`
        : ''
    }
  </section>`;
}

function sitePage(d: SiteDetail, user: AuthUser, extra?: SafeHtml): SafeHtml {
  const h = d.health;
  return html`<p class="crumbs"><a href="/sites">Sites</a></p>
    <h1>${d.name} ${stateBadge(h.state, h.stateReason)}</h1>
    <dl class="facts" id="site-summary">
      <dt>Domain</dt>
      <dd>${d.domain}</dd>
      <dt>Reseller</dt>
      <dd><a href="/resellers/${d.resellerId}">${d.reseller}</a></dd>
      <dt>Render</dt>
      <dd>${d.render ?? '–'}</dd>
      <dt>Listings</dt>
      <dd>${d.listings}</dd>
      <dt>State</dt>
      <dd>${stateLabel(h.state)}${h.stateReason ? html` — ${h.stateReason}` : ''}</dd>
      <dt>Extraction</dt>
      <dd>${pct(h.successRate)} of ${h.pageReads} page read(s)</dd>
      <dt>Blocked</dt>
      <dd>${pct(h.blockedRate)} of ${h.reads} read(s)</dd>
      <dt>Re-check disagreement</dt>
      <dd>
        ${h.recheckTotal ? `${h.recheckDisagreed} of ${h.recheckTotal} (${pct(h.recheckDisagreementRate)})` : '–'}
      </dd>
      <dt>Misreads</dt>
      <dd>
        ${h.misreads ? html`<strong class="bad">${h.misreads}</strong> wrong price(s) caught by reviewers` : 'none'}
      </dd>
      <dt>Suppressed</dt>
      <dd>
        ${h.suppressed ? html`<strong class="bad">yes, since ${when(h.since)}: ${h.reason ?? ''}</strong>` : 'no'}
      </dd>
      <dt>Last good read</dt>
      <dd>${when(h.lastGoodReadAt)}</dd>
    </dl>
    <h2>Config problems</h2>
    ${
      d.configProblems.length
        ? html`<ul class="problems bad" id="config-problems">
            ${d.configProblems.map((p) => html`<li>${formatProblem(p)}</li>`)}
          </ul>`
        : html`<p id="config-problems" class="good">None: the config passes <code>mapwatch sites check</code>.</p>`
    }
    ${d.configChangedSinceSync ? html`<p class="muted">The config file changed since the scheduler last synced it; the next sync picks it up.</p>` : ''}
    ${extra ?? ''} ${can(user.role, 'sites:act') ? testForm(d.name, user) : ''}
    <h2>Latest reads</h2>
    ${
      d.reads.length
        ? html`<div class="table-wrap">
            <table class="data" id="site-reads" aria-label="Latest reads">
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">SKU</th>
                  <th scope="col">Status</th>
                  <th scope="col">Price</th>
                  <th scope="col">Page text</th>
                  <th scope="col">Source</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                ${d.reads.map(
                  (r) =>
                    html`<tr class="read status-${r.status}">
                      <td>${when(r.capturedAt)}</td>
                      <td>
                        <a href="${safeHref(r.url)}" rel="noopener noreferrer nofollow" target="_blank">${r.sku}</a>
                      </td>
                      <td>
                        ${r.status.replace('_', ' ')}${r.httpStatus && r.httpStatus !== 200 ? ` (${r.httpStatus})` : ''}
                      </td>
                      <td class="num">${money(r.amountMinor, r.currency)}</td>
                      <td>${r.rawPriceText ?? ''}</td>
                      <td>${r.source ?? ''}</td>
                      <td>${r.verdict?.replace('_', ' ') ?? ''}</td>
                      <td class="why">${r.reason ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p class="empty">No reads yet.</p>`
    }`;
}

export function sitesPages(deps: { ctx: AppContext }): Router {
  const router = Router();
  const ctx = deps.ctx;
  const query = sitesFilter.extend(pagingQuery);
  const thresholds = () => (ctx.health ? { thresholds: ctx.health } : {});
  pageRoute(router, { path: '/sites', permission: 'read' }, async ({ user, req }) => {
    const f = parseQuery(query, req.query);
    const page = await sitesQuery(ctx, f, f.limit, f.cursor);
    const body = html`<h1>Sites</h1>
      ${filterForm([
        textInput('q', 'Name or domain', f.q),
        textInput('reseller', 'Reseller', f.reseller),
        select('state', 'State', SITE_HEALTH_STATES, f.state),
        select(
          'suppressed',
          'Suppressed',
          ['true', 'false'],
          f.suppressed === undefined ? undefined : String(f.suppressed),
        ),
      ])}
      ${
        page.items.length
          ? html`<div class="table-wrap">
              <table class="data" id="sites-table" aria-label="Sites and their health">
                <thead>
                  <tr>
                    <th scope="col">Site</th>
                    <th scope="col">Reseller</th>
                    <th scope="col">State</th>
                    <th scope="col" class="num">Listings</th>
                    <th scope="col" class="num">Extraction</th>
                    <th scope="col" class="num">Blocked</th>
                    <th scope="col" class="num">Re-checks disagreeing</th>
                    <th scope="col" class="num">Misreads</th>
                    <th scope="col">Suppressed</th>
                    <th scope="col">Last good read (UTC)</th>
                    <th scope="col">Last read (UTC)</th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map(siteRow)}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No sites match.</p>`
      }
      ${listFooter(req, { nextCursor: page.nextCursor, csvPath: '/api/v1/sites.csv', shown: page.items.length })}`;
    return layout({ title: 'Sites', user, section: '/sites', body });
  });

  const nameParam = z.object({ name: z.string().min(1).max(200) });
  pageRoute(router, { path: '/sites/:name', permission: 'read' }, async ({ user, req }) => {
    const { name } = parseQuery(nameParam, req.params);
    const d = await getSite(ctx.db, name, thresholds());
    return layout({ title: d.name, user, section: '/sites', body: sitePage(d, user) });
  });

  const testFields = z.object({ url: z.string().optional(), html: z.string().optional() });
  pageRoute(
    router,
    { method: 'post', path: '/sites/:name/test', permission: 'sites:act' },
    async ({ user, req, res }) => {
      const { name } = parseQuery(nameParam, req.params);
      const d = await getSite(ctx.db, name, thresholds());
      const raw = parseQuery(testFields, req.body ?? {});
      // An empty field is "not given" in a form.
      const given = {
        ...(raw.url?.trim() ? { url: raw.url.trim() } : {}),
        ...(raw.html?.trim() ? { html: raw.html } : {}),
      };
      let result: SafeHtml;
      try {
        result = testResult(await runSiteTest(ctx, name, parseQuery(siteTestBody, given)));
      } catch (err) {
        // A bad URL or an unloadable config is the user's to fix: say so beside the form, keep what they typed.
        if (!(err instanceof UserError)) throw err;
        res.status(err.httpStatus);
        result = html`<p class="flash flash-error" role="alert" id="site-test-error">${err.message}</p>`;
      }
      return layout({ title: `${d.name}: test`, user, section: '/sites', body: sitePage(d, user, result) });
    },
  );
  return router;
}
