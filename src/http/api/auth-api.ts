/**
 * /api/v1/me (who this token or session is) and /api/v1/users (admin: every user, as
 * `mapwatch users list --json` shows them). The accounts themselves are managed with the
 * CLI (`mapwatch users`, `mapwatch tokens`).
 */
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/tables.js';
import { listUsers } from '../../queries/list-users.js';
import { USER_ROLES } from '../auth/permissions.js';
import { apiRoute } from './api-route.js';

const meSchema = z.object({
  id: z.number().int(),
  email: z.string(),
  role: z.enum(USER_ROLES),
  via: z.enum(['session', 'token']),
});

const userSchema = z.object({
  id: z.number().int(),
  email: z.string(),
  role: z.enum(USER_ROLES),
  disabled: z.boolean(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
  sessions: z.number().int(),
  tokens: z.number().int(),
});

export function authApi(db: Kysely<Database>): Router {
  const router = Router();
  apiRoute(
    router,
    {
      method: 'get',
      path: '/me',
      summary: 'Show the signed-in user',
      tag: 'users',
      permission: 'read',
      response: meSchema,
    },
    ({ user }) => ({ id: user.id, email: user.email, role: user.role, via: user.via }),
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/users',
      summary: 'List users',
      tag: 'users',
      permission: 'admin',
      response: z.object({ users: z.array(userSchema) }),
    },
    async () => ({ users: await listUsers(db) }),
  );
  return router;
}
