/**
 * The frame every review-app page shares: head (stylesheet and script from /assets, no
 * inline script: the CSP forbids it), the navigation the user's role may see, the page's
 * flash message, and a footer. Pages call `layout()` with their body and never write
 * `<html>` themselves.
 */
import type { AuthUser } from '../auth/auth-user.js';
import { can, type Permission } from '../auth/permissions.js';
import { html, type SafeHtml } from '../html.js';

const NAV: { href: string; label: string; permission: Permission }[] = [
  { href: '/dashboard', label: 'Dashboard', permission: 'read' },
  { href: '/cases', label: 'Cases', permission: 'read' },
  { href: '/findings', label: 'Findings', permission: 'read' },
  { href: '/resellers', label: 'Resellers', permission: 'read' },
  { href: '/sites', label: 'Sites', permission: 'read' },
  { href: '/discovered', label: 'Discovered', permission: 'read' },
  { href: '/outbox', label: 'Outbox', permission: 'read' },
  { href: '/queues', label: 'Queues', permission: 'queues' },
];

export interface LayoutOptions {
  title: string;
  user?: AuthUser;
  /** Which nav entry is current ('/cases'). */
  section?: string;
  /** A one-line notice at the top (e.g. "Case #12 dismissed"). */
  flash?: string;
  body: SafeHtml;
}

export function layout(o: LayoutOptions): SafeHtml {
  const nav = o.user
    ? NAV.filter((n) => can(o.user!.role, n.permission)).map(
        (n) => html`<a href="${n.href}" ${o.section === n.href ? html`aria-current="page"` : ''}>${n.label}</a>`,
      )
    : [];
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · mapwatch</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">mapwatch</a>
          <nav>${nav}</nav>
          ${
            o.user
              ? html`<form class="signout" method="post" action="/logout">
                  <input type="hidden" name="_csrf" value="${o.user.csrfToken ?? ''}" />
                  <span class="who">${o.user.email} · ${o.user.role}</span>
                  <button type="submit">Sign out</button>
                </form>`
              : ''
          }
        </header>
        <main>${o.flash ? html`<p class="flash" role="status">${o.flash}</p>` : ''} ${o.body}</main>
      </body>
    </html>`;
}

/** A hidden CSRF field for a form; every state-changing form includes it. */
export function csrfField(user: AuthUser): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${user.csrfToken ?? ''}" />`;
}
