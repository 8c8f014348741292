/**
 * The OpenAPI 3.1 document at `/api/v1/openapi.json`, generated from the registry
 * `apiRoute` fills (API_ROUTES) with zod 4's own JSON Schema conversion: request schemas as
 * the client sends them (`io: 'input'`: a query number is what `?limit=50` parses from),
 * responses as the server writes them (`io: 'output'`). The document therefore can't drift
 * from the schemas that validate requests.
 *
 * It is served without sign-in: it describes the API's shape (paths, fields, error codes)
 * and holds no data, and a client needs it to learn how to authenticate in the first place.
 */
import { Router } from 'express';
import { z } from 'zod';
import { ERROR_CODES } from '../../errors.js';
import { VERSION } from '../../version.js';
import { API_ROUTES, type ApiRouteSpec } from './api-route.js';

type Json = Record<string, unknown>;
type Spec = ApiRouteSpec<z.ZodType, z.ZodType, z.ZodType>;

const ERROR_STATUSES = [...new Set(Object.values(ERROR_CODES).map((c) => c.http))].sort();

const errorSchema = z.object({
  ok: z.literal(false),
  code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]),
  error: z.string().describe('what is wrong, naming the field'),
});

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Json;
  return rest;
}

/** '/cases/:id/notes' → '/cases/{id}/notes', and the names of the path parameters. */
export function openApiPath(path: string): { path: string; names: string[] } {
  const names: string[] = [];
  const p = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, n: string) => {
    names.push(n);
    return `{${n}}`;
  });
  return { path: p, names };
}

function operationId(spec: Spec): string {
  const words = spec.path
    .replace(/:([A-Za-z_]\w*)/g, 'by/$1')
    .split(/[/.\-_]+/)
    .filter(Boolean);
  return spec.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function parameters(spec: Spec, names: string[]): Json[] {
  const out: Json[] = [];
  const pathProps = spec.params ? ((jsonSchema(spec.params, 'input')['properties'] ?? {}) as Record<string, Json>) : {};
  for (const n of names) out.push({ name: n, in: 'path', required: true, schema: pathProps[n] ?? { type: 'string' } });
  if (spec.query) {
    const q = jsonSchema(spec.query, 'input');
    const required = new Set((q['required'] as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q['properties'] ?? {}) as Record<string, Json>)) {
      const { description, ...s } = schema;
      out.push({
        name,
        in: 'query',
        required: required.has(name) && !('default' in s),
        ...(description ? { description } : {}),
        schema: s,
        // Arrays are repeated keys: ?status=failed&status=unconfirmed.
        ...(JSON.stringify(s).includes('"array"') ? { style: 'form', explode: true } : {}),
      });
    }
  }
  return out;
}

export function openApiDocument(routes: readonly Spec[] = API_ROUTES): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const seen = new Set<string>();
  const ids = new Set<string>();
  for (const spec of routes) {
    // buildApp may run more than once in a process (tests): each route is registered again.
    const key = `${spec.method} ${spec.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { path, names } = openApiPath(spec.path);
    let id = operationId(spec);
    for (let i = 2; ids.has(id); i++) id = `${operationId(spec)}${i}`;
    ids.add(id);
    const errors: Record<string, Json> = {};
    for (const status of ERROR_STATUSES.filter((s) => s < 500 || s === 503))
      errors[String(status)] = { $ref: `#/components/responses/Error${status}` };
    const ok: Json = spec.produces
      ? { description: 'OK', content: { [spec.produces]: { schema: { type: 'string' } } } }
      : {
          description: 'OK',
          content: { 'application/json': { schema: spec.response ? jsonSchema(spec.response, 'output') : {} } },
        };
    (paths[path] ??= {})[spec.method] = {
      operationId: id,
      summary: spec.summary,
      tags: [spec.tag],
      description: `Needs the \`${spec.permission}\` permission.`,
      parameters: parameters(spec, names),
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
            },
          }
        : {}),
      responses: { '200': ok, ...errors },
    };
  }
  const responses: Record<string, Json> = {};
  for (const status of ERROR_STATUSES)
    responses[`Error${status}`] = {
      description: `Error (${Object.entries(ERROR_CODES)
        .filter(([, c]) => c.http === status)
        .map(([k]) => k)
        .join(', ')})`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  return {
    openapi: '3.1.0',
    info: {
      title: 'mapwatch API',
      version: VERSION,
      description:
        'Cases, findings, resellers, sites and the outbox of a mapwatch installation. Authenticate with an API token (`mapwatch tokens create`) as `Authorization: Bearer …`; a token has its user’s role.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearerAuth: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API token' } },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
      responses,
    },
  };
}

/** GET /openapi.json (mounted under /api/v1), open to everyone: see the header comment. */
export function openApiRouter(): Router {
  const router = Router();
  let cached: { count: number; doc: string } | undefined;
  router.get('/openapi.json', (_req, res) => {
    if (!cached || cached.count !== API_ROUTES.length)
      cached = { count: API_ROUTES.length, doc: JSON.stringify(openApiDocument()) };
    res.type('application/json').send(cached.doc);
  });
  return router;
}
