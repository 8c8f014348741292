/**
 * bull-board at /queues. It can add, retry and delete jobs and remove job schedulers, so it
 * is for a signed-in user with the `queues` permission (ops, admin), or, when ops enabled it
 * with MAPWATCH_QUEUE_UI=1, for whoever presents MAPWATCH_ADMIN_TOKEN (bearer, or basic-auth
 * password: for scripts and for installs without users). Everyone else is refused; without
 * the token setting an anonymous request gets a 404 that says how to get in.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AuthUser } from './auth/auth-user.js';
import { can } from './auth/permissions.js';
import { ForbiddenError } from '../errors.js';
import { adminAuth } from './request-guards.js';

export function queueBoard(o: { queues: Queue[]; adminToken?: string }): Router {
  const board = new ExpressAdapter();
  board.setBasePath('/queues');
  createBullBoard({ queues: o.queues.map((q) => new BullMQAdapter(q as never)), serverAdapter: board as never });
  const tokenAuth = o.adminToken ? adminAuth(o.adminToken) : undefined;
  const router = Router();
  router.use('/queues', (req: Request, res: Response, next: NextFunction) => {
    const user = res.locals.user as AuthUser | undefined;
    if (user && can(user.role, 'queues')) return next();
    if (tokenAuth && req.headers.authorization) return tokenAuth(req, res, next);
    if (user) return next(new ForbiddenError(`the ${user.role} role may not open the queues`));
    if (tokenAuth) return tokenAuth(req, res, next);
    res.status(404).json({
      ok: false,
      code: 'queue_ui_off',
      error:
        'the queues are for signed-in ops and admin users (/login); for the admin token, set MAPWATCH_QUEUE_UI=1 and MAPWATCH_ADMIN_TOKEN',
    });
  });
  router.use('/queues', board.getRouter());
  return router;
}
