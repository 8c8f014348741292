/**
 * /outbox: queued, sent, failed and unconfirmed messages, and "Retry" for failed or
 * unconfirmed ones (ops and admin: `outbox:act`). A retry is the CLI's `outbox --retry`
 * (src/notify/retry-outbox.ts) with the signed-in user as the actor, who is recorded on the
 * message and, for a case's message, on the case's audit chain.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { retryOutbox } from '../../notify/retry-outbox.js';
import type { OutboxPageEntry } from '../../queries/list-outbox.js';
import { actorOf, type AuthUser } from '../auth/auth-user.js';
import { can } from '../auth/permissions.js';
import { pagingQuery } from '../api/list-query.js';
import { OUTBOX_KINDS as KINDS, outboxFilter, outboxQuery } from '../api/outbox-api.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, layout } from './layout.js';
import { pageRoute } from './page-route.js';
import { filterForm, listFooter, parseQuery, select, when } from './page-parts.js';

const STATUSES = ['pending', 'sending', 'sent', 'failed', 'unconfirmed'] as const;

/** Flash messages by code: the redirect carries a code and an id, never text someone could forge into the page. */
const FLASH = { retried: (id: number) => `Message ${id} is queued again.` } as const;

function row(m: OutboxPageEntry, user: AuthUser): SafeHtml {
  return html`<tr data-testid="outbox-row" data-id="${m.id}" class="status-${m.status}">
    <td class="num">${m.id}</td>
    <td>${m.kind.replace('_', ' ')}</td>
    <td><span class="badge status-${m.status}">${m.status}</span></td>
    <td>${m.to}</td>
    <td>${m.subject}</td>
    <td>${m.caseId !== null ? html`<a href="/cases/${m.caseId}">#${m.caseId}</a>` : '–'}</td>
    <td class="num">${m.attempts}</td>
    <td>${when(m.sentAt ?? m.nextAttemptAt)}</td>
    <td class="why">
      ${m.lastError ?? ''}${m.retriedBy ? html`<div class="muted">retried by ${m.retriedBy} ${when(m.retriedAt)}</div>` : ''}
    </td>
    <td>
      ${
        m.retryable && can(user.role, 'outbox:act')
          ? html`<form method="post" action="/outbox/${m.id}/retry" class="inline">
              ${csrfField(user)}
              <button type="submit" class="button" aria-label="Retry message ${m.id}">Retry</button>
            </form>`
          : ''
      }
    </td>
  </tr>`;
}

export function outboxPages(deps: { ctx: AppContext }): Router {
  const router = Router();
  const db = deps.ctx.db;
  const query = outboxFilter.extend(pagingQuery).extend({
    done: z.enum(['retried']).optional(),
    id: z.coerce.number().int().optional(),
  });
  pageRoute(router, { path: '/outbox', permission: 'read' }, async ({ user, req }) => {
    const f = parseQuery(query, req.query);
    const page = await outboxQuery(db, f, f.limit, f.cursor);
    const status = Array.isArray(f.status) ? f.status[0] : f.status;
    const body = html`<h1>Outbox</h1>
      ${filterForm([select('status', 'Status', STATUSES, status), select('kind', 'Kind', KINDS, f.kind)])}
      ${
        page.items.length
          ? html`<div class="table-wrap">
              <table class="data" id="outbox-table" aria-label="Outbox messages">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Status</th>
                    <th scope="col">To</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Case</th>
                    <th scope="col">Tries</th>
                    <th scope="col">When (UTC)</th>
                    <th scope="col">Error</th>
                    <th scope="col"><span class="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${page.items.map((m) => row(m, user))}
                </tbody>
              </table>
            </div>`
          : html`<p class="empty">No messages match.</p>`
      }
      ${listFooter(req, { nextCursor: page.nextCursor, csvPath: '/api/v1/outbox.csv', shown: page.items.length })}`;
    const flash = f.done && f.id ? FLASH[f.done](f.id) : undefined;
    return layout({ title: 'Outbox', user, section: '/outbox', body, ...(flash ? { flash } : {}) });
  });

  const idParam = z.object({ id: z.coerce.number().int().min(1) });
  pageRoute(
    router,
    { method: 'post', path: '/outbox/:id/retry', permission: 'outbox:act' },
    async ({ user, req, res }) => {
      const { id } = parseQuery(idParam, req.params);
      await retryOutbox(db, id, { actor: actorOf(user) });
      res.redirect(303, `/outbox?done=retried&id=${id}`);
      return undefined;
    },
  );
  return router;
}
