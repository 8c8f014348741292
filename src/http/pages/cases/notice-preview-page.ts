/**
 * The exact email that approving the next notice of a case would queue (recipient, subject,
 * ladder step, when it goes out, the text body), or why none can go, with the approve form.
 */
import type { AuthUser } from '../../auth/auth-user.js';
import { html, type SafeHtml } from '../../html.js';
import { csrfField, layout } from '../layout.js';
import type { NoticePlan } from '../../../notify/approve-notice.js';
import { CASES_CSS, when } from './format.js';

export function renderNoticePreview(o: { user: AuthUser; caseId: number; plan: NoticePlan }): SafeHtml {
  const { plan, caseId, user } = o;
  const body = html`${CASES_CSS}
    <section class="notice-preview" id="notice-preview">
      <p class="crumbs"><a href="/cases/${caseId}">← Case #${caseId}</a></p>
      <h1>Next notice for case #${caseId}</h1>
      ${
        plan.ok
          ? html`<dl class="email-head">
                <dt>To</dt>
                <dd id="preview-to">${plan.to}</dd>
                <dt>Subject</dt>
                <dd id="preview-subject">${plan.rendered.subject}</dd>
                <dt>Step</dt>
                <dd>${plan.step} of 3</dd>
                <dt>Goes out</dt>
                <dd>${plan.dueAt.getTime() <= Date.now() + 60_000 ? 'as soon as it is approved' : when(plan.dueAt)}</dd>
              </dl>
              <pre class="email-body" id="preview-body">${plan.rendered.text}</pre>
              <form method="post" action="/cases/${caseId}/approve-notice" id="approve-form">
                ${csrfField(user)}
                <button type="submit">Approve and queue this notice</button>
                <a href="/cases/${caseId}">Cancel</a>
              </form>`
          : html`<p class="flash error" role="alert" id="preview-error">No notice can go: ${plan.error}</p>`
      }
    </section>`;
  return layout({ title: `Notice for case #${caseId}`, user, section: '/cases', body });
}
