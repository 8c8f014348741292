/**
 * The REST API's one way to declare a route: its method, path, permission and zod schemas.
 * `apiRoute` validates the request with those schemas (a bad one is a 400 naming the field),
 * checks the permission (401 without a user, 403 for a role without the right), runs the
 * handler, and records the route in the registry `openApiDocument()` turns into
 * `/api/v1/openapi.json`, so the document is generated from the very schemas that
 * validate requests and can't drift from them.
 */
import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { currentUser, type AuthUser } from '../auth/auth-user.js';
import { can, type Permission } from '../auth/permissions.js';
import { ForbiddenError, InvalidInputError } from '../../errors.js';

export interface ApiRouteSpec<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path under /api/v1, e.g. '/cases/:id'. */
  path: string;
  summary: string;
  /** Tag in the OpenAPI document ('cases', 'findings', …). */
  tag: string;
  permission: Permission;
  params?: P;
  query?: Q;
  body?: B;
  /** The JSON response's schema (for the document; responses are not re-validated). */
  response?: z.ZodType;
  /** Non-JSON responses (e.g. 'text/csv'). */
  produces?: string;
}

export interface ApiInput<Q, B, P> {
  params: P;
  query: Q;
  body: B;
  user: AuthUser;
  req: Request;
  res: Response;
}

export const API_ROUTES: ApiRouteSpec<z.ZodType, z.ZodType, z.ZodType>[] = [];

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new InvalidInputError(
    r.error.issues.map((i) => `${where}${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`).join('; '),
  );
}

/**
 * Adds the route to `router` and to the registry. The handler returns the JSON body (sent
 * with 200), or `undefined` when it has written the response itself (CSV streams, files).
 * Thrown errors reach the API error handler, which answers `{ok:false, code, error}`.
 */
export function apiRoute<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType>(
  router: Router,
  spec: ApiRouteSpec<Q, B, P>,
  handler: (input: ApiInput<z.output<Q>, z.output<B>, z.output<P>>) => Promise<unknown> | unknown,
): void {
  API_ROUTES.push(spec as unknown as ApiRouteSpec<z.ZodType, z.ZodType, z.ZodType>);
  router[spec.method](spec.path, async (req: Request, res: Response, next) => {
    try {
      const user = currentUser(res);
      if (!can(user.role, spec.permission))
        throw new ForbiddenError(`the ${user.role} role may not ${spec.summary.toLowerCase()}`);
      const input = {
        params: parse(spec.params, req.params, 'path'),
        query: parse(spec.query, req.query, 'query'),
        body: parse(spec.body, req.body, 'body'),
        user,
        req,
        res,
      };
      const out = await handler(input);
      if (out !== undefined && !res.headersSent) res.json(out);
    } catch (err) {
      next(err);
    }
  });
}
