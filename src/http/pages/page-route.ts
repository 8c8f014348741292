/**
 * The review app's one way to declare a page or a form action: path, permission, handler.
 * Without a session the browser is sent to /login (with the page to come back to); a role
 * without the permission gets a 403 page. Form POSTs have passed the CSRF check before
 * they get here (src/http/auth). The handler returns the page's HTML, or writes the
 * response itself (a redirect after a form) and returns undefined.
 */
import type { Request, Response, Router } from 'express';
import { currentUser, type AuthUser } from '../auth/auth-user.js';
import { can, type Permission } from '../auth/permissions.js';
import { ForbiddenError } from '../../errors.js';
import type { SafeHtml } from '../html.js';

export interface PageInput {
  user: AuthUser;
  req: Request;
  res: Response;
}

export function pageRoute(
  router: Router,
  spec: { method?: 'get' | 'post'; path: string; permission: Permission },
  handler: (input: PageInput) => Promise<SafeHtml | undefined> | SafeHtml | undefined,
): void {
  router[spec.method ?? 'get'](spec.path, async (req: Request, res: Response, next) => {
    try {
      const user = currentUser(res);
      if (!can(user.role, spec.permission)) throw new ForbiddenError(`the ${user.role} role may not open this page`);
      const out = await handler({ user, req, res });
      if (out !== undefined && !res.headersSent) res.type('html').send(out.value);
    } catch (err) {
      next(err);
    }
  });
}
