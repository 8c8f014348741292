/**
 * The Cases list: a GET filter form (every filter in the URL, so a view can be bookmarked
 * and shared), sort links on the column headers, page links, a CSV link for the same
 * filter, and — for roles that may act — checkboxes and a bulk form (dismiss with a note,
 * approve the next notice, assign). Every value from a crawled page is escaped by html``.
 */
import type { AuthUser } from '../../auth/auth-user.js';
import { can } from '../../auth/permissions.js';
import { html, type SafeHtml } from '../../html.js';
import { csrfField, layout } from '../layout.js';
import { CASE_SORTS, CASE_STATUSES, type CaseFilter, caseFilterParams } from '../../../queries/case-filter.js';
import type { CaseCount, CaseRow } from '../../../queries/list-cases.js';
import { CASES_CSS, day, money, severityBadge, statusBadge } from './format.js';

export interface CasesListView {
  user: AuthUser;
  filter: CaseFilter;
  rows: CaseRow[];
  /** Exact, about, or more than (countCasesForPage). */
  total: CaseCount;
  page: number;
  perPage: number;
  severities: readonly string[];
  /** Distinct names for the filter inputs' suggestions. */
  options: { resellers: string[]; sites: string[]; brands: string[]; tiers: string[]; regions: string[] };
  flash?: string;
}

const SORT_LABELS: Record<(typeof CASE_SORTS)[number], string> = {
  last_seen: 'Last seen',
  first_seen: 'First seen',
  percent_below: '% below MAP',
  severity: 'Severity',
};

function href(filter: Partial<CaseFilter>, extra: Record<string, string | number> = {}): string {
  const p = caseFilterParams(filter);
  for (const [k, v] of Object.entries(extra)) p.set(k, String(v));
  const s = p.toString();
  return s ? `/cases?${s}` : '/cases';
}

function sortLink(v: CasesListView, sort: (typeof CASE_SORTS)[number], label: string): SafeHtml {
  const current = v.filter.sort === sort;
  const dir = current && v.filter.dir === 'desc' ? 'asc' : 'desc';
  const arrow = current ? (v.filter.dir === 'desc' ? ' ↓' : ' ↑') : '';
  return html`<a
    href="${href({ ...v.filter, sort, dir })}"
    class="sort${current ? ' current' : ''}"
    data-sort="${sort}"
    aria-sort="${current ? (v.filter.dir === 'desc' ? 'descending' : 'ascending') : 'none'}"
    >${label}${arrow}</a
  >`;
}

function textFilter(name: keyof CaseFilter, label: string, value: string | undefined, list?: string[]): SafeHtml {
  return html`<label
    >${label}
    <input type="text" name="${name}" value="${value ?? ''}" ${list ? html`list="opts-${name}"` : ''} />
    ${
      list ? html`<datalist id="opts-${name}">${list.map((o) => html`<option value="${o}"></option>`)}</datalist>` : ''
    }</label
  >`;
}

function filterForm(v: CasesListView): SafeHtml {
  const f = v.filter;
  const statuses = new Set(f.status ?? []);
  return html`<form
    method="get"
    action="/cases"
    class="filters"
    id="case-filters"
    role="search"
    aria-label="Filter cases"
  >
    <label class="search"
      >Search <input type="search" name="q" value="${f.q ?? ''}" placeholder="product, SKU or reseller"
    /></label>
    <fieldset class="statuses">
      <legend>Status</legend>
      ${CASE_STATUSES.map(
        (s) =>
          html`<label class="check"
            ><input type="checkbox" name="status" value="${s}" ${statuses.has(s) ? html`checked` : ''} /> ${s}</label
          >`,
      )}
    </fieldset>
    <label
      >Severity
      <select name="severity">
        <option value="">any</option>
        ${v.severities.map(
          (s) => html`<option value="${s}" ${f.severity?.includes(s) ? html`selected` : ''}>${s}</option>`,
        )}
      </select></label
    >
    ${textFilter('reseller', 'Reseller', f.reseller, v.options.resellers)}
    ${textFilter('tier', 'Tier', f.tier, v.options.tiers)}
    ${textFilter('region', 'Region', f.region, v.options.regions)}
    ${textFilter('brand', 'Brand', f.brand, v.options.brands)} ${textFilter('sku', 'SKU', f.sku)}
    ${textFilter('site', 'Site', f.site, v.options.sites)} ${textFilter('seller', 'Seller', f.seller)}
    ${textFilter('assignee', 'Assignee', f.assignee)}
    <label
      >Open more than
      <input type="number" name="older_than_days" min="0" value="${f.older_than_days ?? ''}" class="short" />
      days</label
    >
    <label
      >Sort
      <select name="sort">
        ${CASE_SORTS.map(
          (s) => html`<option value="${s}" ${f.sort === s ? html`selected` : ''}>${SORT_LABELS[s]}</option>`,
        )}
      </select></label
    >
    <label
      >Order
      <select name="dir">
        <option value="desc" ${f.dir === 'desc' ? html`selected` : ''}>newest / highest first</option>
        <option value="asc" ${f.dir === 'asc' ? html`selected` : ''}>oldest / lowest first</option>
      </select></label
    >
    <div class="buttons">
      <button type="submit">Apply</button>
      <a href="/cases">Clear</a>
    </div>
  </form>`;
}

function bulkControls(v: CasesListView): SafeHtml {
  const approve = can(v.user.role, 'notices:approve');
  return html`<fieldset class="bulk" id="bulk-actions">
    <legend>With the selected cases</legend>
    ${csrfField(v.user)}
    <input type="hidden" name="back" value="${href(v.filter, v.page > 1 ? { page: v.page } : {})}" />
    <label
      >Action
      <select name="action" id="bulk-action">
        <option value="dismiss">Dismiss</option>
        ${approve ? html`<option value="approve">Approve next notice</option>` : ''}
        <option value="assign">Assign</option>
      </select></label
    >
    <label
      >Note (dismiss) <input type="text" name="note" maxlength="2000" placeholder="why they are not violations"
    /></label>
    <label>Assignee (assign) <input type="email" name="assignee" placeholder="name@example.com" /></label>
    <button type="submit" id="bulk-submit">Apply to selected</button>
  </fieldset>`;
}

function row(v: CasesListView, r: CaseRow, act: boolean): SafeHtml {
  return html`<tr data-case-id="${r.id}" class="case-row">
    ${
      act
        ? html`<td>
            <input type="checkbox" name="case_id" value="${r.id}" form="bulk-form" aria-label="Select case ${r.id}" />
          </td>`
        : ''
    }
    <td><a href="/cases/${r.id}" class="case-link">#${r.id}</a></td>
    <td>${statusBadge(r.status)}</td>
    <td>${severityBadge(r.severity)}</td>
    <td class="product">
      <a href="/cases/${r.id}">${r.product}</a>
      <div class="muted">${r.sku}${r.brand ? html` · ${r.brand}` : ''}</div>
    </td>
    <td>
      ${r.reseller}
      <div class="muted">${[r.resellerTier, r.resellerRegion].filter(Boolean).join(' · ')}</div>
    </td>
    <td>${r.site}${r.seller ? html`<div class="muted seller">seller: ${r.seller}</div>` : ''}</td>
    <td class="num">
      ${money(r.lowestMinor, r.currency)}
      <div class="muted">MAP ${money(r.mapMinor, r.currency)}</div>
    </td>
    <td class="num">${r.percentBelow.toFixed(2)}%</td>
    <td class="date">${day(r.firstSeenAt)}</td>
    <td class="date">${day(r.lastSeenAt)}</td>
    <td class="num">${r.observations}</td>
    <td>${r.assignee ?? html`<span class="muted">—</span>`}</td>
  </tr>`;
}

export function renderCasesList(v: CasesListView): SafeHtml {
  const act = can(v.user.role, 'cases:act');
  const from = v.rows.length ? (v.page - 1) * v.perPage + 1 : 0;
  const to = (v.page - 1) * v.perPage + v.rows.length;
  // A deep page knows at least its own rows are there; an estimate is never said below that.
  const total =
    v.total.kind === 'exact' || v.total.n > to ? v.total : { n: Math.max(to, v.total.n), kind: 'more_than' as const };
  const words = { exact: '', about: 'about ', more_than: 'more than ' }[total.kind];
  const pages = Math.max(1, Math.ceil(total.n / v.perPage));
  // Only an exact count says where the list ends; otherwise a full page may have a next.
  const hasNext = total.kind === 'exact' ? v.page < pages : v.rows.length === v.perPage;
  const csv = `/api/v1/cases.csv${caseFilterParams(v.filter).toString() ? `?${caseFilterParams(v.filter)}` : ''}`;
  const body = html`${CASES_CSS}
    <section class="cases-list">
      <div class="title-row">
        <h1>Cases</h1>
        <p class="count" id="case-count">${from}–${to} of ${words}${total.n.toLocaleString('en-US')}</p>
        <a class="button" href="${csv}" id="download-csv" download>Download CSV</a>
      </div>
      ${filterForm(v)}
      ${act ? html`<form method="post" action="/cases/bulk" id="bulk-form">${bulkControls(v)}</form>` : ''}
      <table class="cases" id="cases-table">
        <thead>
          <tr>
            ${act ? html`<th scope="col"><span class="sr-only">Select</span></th>` : ''}
            <th scope="col">Case</th>
            <th scope="col">Status</th>
            <th scope="col">${sortLink(v, 'severity', 'Severity')}</th>
            <th scope="col">Product</th>
            <th scope="col">Reseller</th>
            <th scope="col">Site</th>
            <th scope="col" class="num">Lowest</th>
            <th scope="col" class="num">${sortLink(v, 'percent_below', '% below')}</th>
            <th scope="col">${sortLink(v, 'first_seen', 'First seen')}</th>
            <th scope="col">${sortLink(v, 'last_seen', 'Last seen')}</th>
            <th scope="col" class="num">Reads</th>
            <th scope="col">Assignee</th>
          </tr>
        </thead>
        <tbody>
          ${
            v.rows.length
              ? v.rows.map((r) => row(v, r, act))
              : html`<tr>
                  <td colspan="${act ? 13 : 12}" class="empty">No cases match these filters.</td>
                </tr>`
          }
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages">
        ${
          v.page > 1
            ? html`<a href="${href(v.filter, { page: v.page - 1 })}" rel="prev" id="page-prev">← Previous</a>`
            : ''
        }
        <span>Page ${v.page} of ${words}${pages.toLocaleString('en-US')}</span>
        ${hasNext ? html`<a href="${href(v.filter, { page: v.page + 1 })}" rel="next" id="page-next">Next →</a>` : ''}
      </nav>
    </section>`;
  return layout({ title: 'Cases', user: v.user, section: '/cases', flash: v.flash, body });
}
