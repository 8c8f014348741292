/**
 * One case: what it is about (product, reseller, site, listing, seller), the MAP rule in
 * effect with its promo/VAT/pack explanation, the price-history chart and table, the
 * evidence and whether it verifies, the notice ladder, comments, the audit timeline, and
 * the actions the user's role allows. Every value from a crawled page is escaped by html``.
 */
import type { AuthUser } from '../../auth/auth-user.js';
import { can } from '../../auth/permissions.js';
import { html, safeHref, type SafeHtml } from '../../html.js';
import { csrfField, layout } from '../layout.js';
import type { CaseDetail, TimelineEvent } from '../../../queries/get-case.js';
import { CASES_CSS, money, severityBadge, statusBadge, when } from './format.js';
import { priceChart } from './price-chart.js';

export interface CaseView {
  user: AuthUser;
  c: CaseDetail;
  flash?: string;
}

function describe(e: TimelineEvent, currency: string): string {
  const d = e.detail;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  switch (e.kind) {
    case 'opened': {
      const pct = num('percent_below');
      const why = [pct !== null && `${pct}% below MAP`, str('severity')].filter(Boolean).join(', ');
      return `opened at ${money(num('normalized_minor'), currency)}${why ? ` (${why})` : ''}`;
    }
    case 'observed':
      return `read: ${str('verdict') || str('status')}${num('normalized_minor') !== null ? ` at ${money(num('normalized_minor'), currency)}` : ''}`;
    case 'severity_changed':
      return `severity ${str('from')} → ${str('to')}`;
    case 'resolved':
      return `resolved (${str('reason') || 'auto'})`;
    case 'dismissed':
      return `dismissed: ${str('note')}`;
    case 'reopened':
      return `reopened (was ${str('was')}): ${str('note')}`;
    case 'assigned':
      return d.assignee ? `assigned to ${str('assignee')}` : 'unassigned';
    case 'comment':
      return `commented: ${str('text')}`;
    case 'note':
      return [
        str('notice') && `notice ${str('notice')}`,
        num('step') !== null && `step ${num('step')}`,
        str('error'),
        str('reason'),
        str('to') && `to ${str('to')}`,
      ]
        .filter(Boolean)
        .join(' · ');
    default:
      return e.kind;
  }
}

function facts(c: CaseDetail): SafeHtml {
  const f = c.facts;
  return html`<section class="facts" id="case-facts" aria-labelledby="facts-h">
    <h2 id="facts-h">Case</h2>
    <dl>
      <dt>Product</dt>
      <dd id="fact-product">
        ${f.productName} <span class="muted">SKU ${f.sku}${f.brand ? html` · ${f.brand}` : ''}</span>
        ${
          f.pageProductName && f.pageProductName !== f.productName
            ? html`<div class="muted">
                page calls it: <span class="page-text" id="page-product-name">${f.pageProductName}</span>
              </div>`
            : ''
        }
      </dd>
      <dt>Reseller</dt>
      <dd id="fact-reseller">
        ${f.resellerName}
        <span class="muted"
          >${[f.resellerTier && `tier ${f.resellerTier}`, f.resellerRegion && `region ${f.resellerRegion}`].filter(Boolean).join(' · ')}</span
        >
      </dd>
      <dt>Site</dt>
      <dd>${f.siteName}</dd>
      ${
        c.seller
          ? html`<dt>Seller</dt>
              <dd id="fact-seller" class="page-text">${c.seller}</dd>`
          : ''
      }
      <dt>Listing</dt>
      <dd>
        <a href="${safeHref(f.url)}" rel="noopener noreferrer nofollow" target="_blank" id="listing-url">${f.url}</a>
      </dd>
      <dt>Prices</dt>
      <dd>
        lowest <strong>${money(f.lowestMinor, f.currency)}</strong>, last ${money(f.lastMinor, f.currency)}, MAP
        ${money(f.mapMinor, f.currency)} — <strong>${f.percentBelow.toFixed(2)}% below</strong>
      </dd>
      <dt>Seen</dt>
      <dd>
        first ${when(f.firstSeenAt)}, last ${when(f.lastSeenAt)}${f.closedAt ? html`, closed ${when(f.closedAt)}` : ''}
      </dd>
      <dt>Assignee</dt>
      <dd id="fact-assignee">${c.assignee ?? html`<span class="muted">nobody</span>`}</dd>
      ${
        c.note
          ? html`<dt>Closing note</dt>
              <dd id="fact-note">${c.note}</dd>`
          : ''
      }
    </dl>
  </section>`;
}

function rule(c: CaseDetail): SafeHtml {
  const r = c.rule;
  const cur = c.facts.currency;
  return html`<section class="rule" id="map-rule" aria-labelledby="rule-h">
    <h2 id="rule-h">MAP rule in effect</h2>
    ${
      r
        ? html`<p class="rule-line">${r.line}</p>
            <ul>
              ${
                r.baseMapMinor !== null && r.mapMinor !== null && r.baseMapMinor !== r.mapMinor
                  ? html`<li>
                      MAP ${money(r.baseMapMinor, r.currency)} lowered to ${money(r.mapMinor, r.currency)} by a
                      promotion
                    </li>`
                  : ''
              }
              ${
                r.promo
                  ? html`<li id="rule-promo">
                      Promotion (${r.promo.kind}) from ${r.promo.startsAt} to ${r.promo.endsAt}
                      ${r.promo.timeZone}${r.promo.note ? html`: ${r.promo.note}` : ''}
                    </li>`
                  : ''
              }
              ${r.basis ? html`<li id="rule-basis">Compared on the MAP's basis: ${r.basis}</li>` : ''}
              <li>
                MAP window from
                ${r.effectiveFrom ? when(r.effectiveFrom) : '—'}${r.effectiveTo ? html` to ${when(r.effectiveTo)}` : ', open-ended'}
              </li>
              <li>
                MAP ${c.mapIncludesVat ? 'includes' : 'excludes'} VAT; product pack ${c.productPackSize}, listing pack
                ${c.listingPackSize}
              </li>
            </ul>`
        : html`<p class="muted">No compared read yet.</p>`
    }
    <p id="msrp">
      MSRP: ${c.msrpMinor !== null ? money(c.msrpMinor, cur) : html`<span class="muted">not in the catalog</span>`}
    </p>
  </section>`;
}

function history(c: CaseDetail): SafeHtml {
  const reads = [...c.history].reverse();
  return html`<section class="history" id="price-history" aria-labelledby="history-h">
    <h2 id="history-h">Price history</h2>
    ${priceChart({ reads: c.history, currency: c.facts.currency, msrpMinor: c.msrpMinor, caseMapMinor: c.facts.mapMinor })}
    <details ${reads.length <= 20 ? html`open` : ''}>
      <summary>${reads.length} reads</summary>
      <table class="reads" id="reads-table">
        <thead>
          <tr>
            <th scope="col">Read</th>
            <th scope="col">Time</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Advertised</th>
            <th scope="col">Page text</th>
            <th scope="col" class="num">Compared</th>
            <th scope="col" class="num">MAP</th>
            <th scope="col">Verdict</th>
            <th scope="col">Screenshot</th>
          </tr>
        </thead>
        <tbody>
          ${reads.map(
            (r) =>
              html`<tr id="read-${r.id}" class="${r.misread ? 'misread' : ''}">
                <td>${r.id}</td>
                <td>${when(r.capturedAt)}</td>
                <td>${r.status}${r.reason ? html`<div class="muted">${r.reason}</div>` : ''}</td>
                <td class="num">${money(r.amountMinor, r.currency)}</td>
                <td class="page-text">
                  ${r.rawPriceText ?? ''}${r.seller ? html`<div class="muted">seller: ${r.seller}</div>` : ''}
                </td>
                <td class="num">${money(r.normalizedMinor, r.currency)}</td>
                <td class="num">${money(r.mapMinor, r.currency)}</td>
                <td>${r.verdict ?? '—'}${r.misread ? html` <span class="badge misread">misread</span>` : ''}</td>
                <td>
                  ${
                    r.hasScreenshot
                      ? html`<a href="/observations/${r.id}/screenshot" target="_blank" rel="noopener">view</a>`
                      : html`<span class="muted">—</span>`
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </section>`;
}

function evidence(v: CaseView): SafeHtml {
  const { c, user } = v;
  const ver = c.verification;
  const ok = ver.problems.length === 0;
  return html`<section class="evidence" id="evidence" aria-labelledby="evidence-h">
    <h2 id="evidence-h">Evidence</h2>
    <p class="verify ${ok ? 'ok' : 'bad'}" id="verify-result" data-verified="${ok ? 'yes' : 'no'}">
      ${
        ok
          ? `Verifies: ${ver.evidence.length} evidence rows, their files and ${ver.events} audit events match their hashes.`
          : `Does not verify: ${ver.problems.length} problem(s).`
      }
    </p>
    ${
      ok
        ? ''
        : html`<ul class="problems">
            ${ver.problems.map((p) => html`<li>${p}</li>`)}
          </ul>`
    }
    ${
      ver.evidence.length
        ? html`<table class="evidence-files">
            <thead>
              <tr>
                <th scope="col">Evidence</th>
                <th scope="col">Read</th>
                <th scope="col">File</th>
                <th scope="col">SHA-256</th>
                <th scope="col" class="num">Size</th>
                <th scope="col">Check</th>
              </tr>
            </thead>
            <tbody>
              ${ver.evidence.flatMap((e) =>
                e.files.map(
                  (f, i) =>
                    html`<tr>
                      <td>${i === 0 ? html`#${e.id}` : ''}</td>
                      <td>${i === 0 ? html`<a href="#read-${e.observationId}">${e.observationId}</a>` : ''}</td>
                      <td>${f.role}</td>
                      <td><code class="hash">${f.sha256}</code></td>
                      <td class="num">${f.size.toLocaleString('en-US')}</td>
                      <td class="check-${f.state}">${f.state}</td>
                    </tr>`,
                ),
              )}
            </tbody>
          </table>`
        : html`<p class="muted">No evidence captured for this case.</p>`
    }
    ${
      can(user.role, 'evidence:export') && ver.evidence.length
        ? html`<p>
            <a class="button" href="/api/v1/cases/${c.facts.caseId}/evidence.zip" id="download-bundle" download
              >Download evidence bundle</a
            >
            <a class="button" href="/api/v1/cases/${c.facts.caseId}/notice.pdf" id="download-notice-letter" download
              >Download notice letter (PDF)</a
            >
          </p>`
        : ''
    }
  </section>`;
}

function notices(v: CaseView): SafeHtml {
  const { c, user } = v;
  const open = c.facts.status === 'open' || c.facts.status === 'notified';
  return html`<section class="notices" id="notices" aria-labelledby="notices-h">
    <h2 id="notices-h">Notices</h2>
    <p>Reseller's ladder level: <strong id="ladder-level">${c.ladderLevel}</strong> of 3</p>
    ${
      c.notices.length
        ? html`<table>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Status</th>
                <th scope="col">Proposed</th>
                <th scope="col">Approved</th>
                <th scope="col">Sent</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              ${c.notices.map(
                (n) =>
                  html`<tr>
                    <td>${n.step ?? '—'}</td>
                    <td>${n.status}</td>
                    <td>${when(n.proposedAt)}</td>
                    <td>${n.approvedAt ? html`${when(n.approvedAt)} by ${n.approvedBy ?? '?'}` : '—'}</td>
                    <td>${when(n.sentAt)}</td>
                    <td>${n.reason ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="muted">No notice yet.</p>`
    }
    ${
      open && can(user.role, 'notices:approve')
        ? html`<p>
            <a class="button" href="/cases/${c.facts.caseId}/notice-preview" id="preview-notice"
              >Preview and approve next notice</a
            >
          </p>`
        : ''
    }
  </section>`;
}

function actions(v: CaseView): SafeHtml {
  const { c, user } = v;
  if (!can(user.role, 'cases:act')) return html``;
  const id = c.facts.caseId;
  const open = c.facts.status === 'open' || c.facts.status === 'notified';
  const violating = c.history.filter((r) => r.verdict === 'violation' && !r.misread).reverse();
  return html`<section class="actions" id="case-actions" aria-labelledby="actions-h">
    <h2 id="actions-h">Actions</h2>
    <div class="action-grid">
      ${
        open
          ? html`<form method="post" action="/cases/${id}/dismiss" id="dismiss-form">
              ${csrfField(user)}
              <label
                >Dismiss with a note <textarea name="note" required minlength="3" maxlength="2000" rows="2"></textarea>
              </label>
              <button type="submit">Dismiss</button>
            </form>`
          : html`<form method="post" action="/cases/${id}/reopen" id="reopen-form">
              ${csrfField(user)}
              <label
                >Reopen with a note <textarea name="note" required minlength="3" maxlength="2000" rows="2"></textarea>
              </label>
              <button type="submit">Reopen</button>
            </form>`
      }
      ${
        open
          ? html`<form method="post" action="/cases/${id}/assign" id="assign-form">
              ${csrfField(user)}
              <label
                >Assign to
                <input
                  type="email"
                  name="assignee"
                  value="${c.assignee ?? ''}"
                  placeholder="name@example.com (empty: nobody)"
              /></label>
              <button type="submit">Assign</button>
            </form>`
          : ''
      }
      <form method="post" action="/cases/${id}/comment" id="comment-form">
        ${csrfField(user)}
        <label>Comment <textarea name="text" required maxlength="5000" rows="2"></textarea></label>
        <button type="submit">Add comment</button>
      </form>
      ${
        open && violating.length
          ? html`<form method="post" action="/cases/${id}/misread" id="misread-form" class="misread">
              ${csrfField(user)}
              <h3>Wrong price?</h3>
              <p class="muted">
                If the read took the wrong number off the page, mark it: the case is dismissed as a misread and the
                site's health counts it.
              </p>
              <label
                >Read
                <select name="observation_id">
                  ${violating.map(
                    (r) =>
                      html`<option value="${r.id}">
                        ${when(r.capturedAt)} — ${money(r.amountMinor, r.currency)}
                      </option>`,
                  )}
                </select></label
              >
              <label
                >The right price <input type="text" name="price" inputmode="decimal" placeholder="e.g. 129.99"
              /></label>
              <label
                >CSS selector of the right price
                <input type="text" name="selector" placeholder="e.g. .product-price .amount"
              /></label>
              <label>Note <input type="text" name="note" maxlength="2000" /></label>
              <button type="submit">Mark as misread</button>
            </form>`
          : ''
      }
    </div>
  </section>`;
}

function timeline(c: CaseDetail): SafeHtml {
  return html`<section class="timeline" id="audit-timeline" aria-labelledby="timeline-h">
    <h2 id="timeline-h">Audit timeline</h2>
    ${
      c.comments.length
        ? html`<h3>Comments</h3>
            <ul class="comments" id="comments">
              ${c.comments.map(
                (m) =>
                  html`<li>
                    <span class="who">${m.who} (${m.role})</span> <time>${when(m.at)}</time>
                    <p>${m.text}</p>
                  </li>`,
              )}
            </ul>`
        : ''
    }
    <table id="timeline-table">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
        </tr>
      </thead>
      <tbody>
        ${[...c.timeline].reverse().map(
          (e) =>
            html`<tr class="event-${e.kind}" data-kind="${e.kind}">
              <td>${when(e.at)}</td>
              <td>${e.who}${e.role !== 'system' ? html` <span class="muted">(${e.role})</span>` : ''}</td>
              <td>${describe(e, c.facts.currency)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

export function renderCasePage(v: CaseView): SafeHtml {
  const f = v.c.facts;
  const body = html`${CASES_CSS}
    <article class="case" data-case-id="${f.caseId}">
      <p class="crumbs"><a href="/cases">← Cases</a></p>
      <div class="title-row">
        <h1>Case #${f.caseId}: <span class="product-name">${f.productName}</span></h1>
        ${statusBadge(f.status)} ${severityBadge(f.severity)}
      </div>
      <div class="two-col">${facts(v.c)} ${rule(v.c)}</div>
      ${history(v.c)} ${actions(v)} ${notices(v)} ${evidence(v)} ${timeline(v.c)}
    </article>`;
  return layout({ title: `Case #${f.caseId}`, user: v.user, section: '/cases', flash: v.flash, body });
}
