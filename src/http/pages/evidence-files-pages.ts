/**
 * One evidence row's stored files, for the Findings page's evidence links: the page as read
 * (`page.html`, a download: crawled HTML never runs on this origin), its screenshot
 * (`screenshot.png`) and its WARC (`capture.warc`). Only roles that may export evidence get
 * them, and only bytes that still match the SHA-256 their chained manifest records.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { getIntact } from '../../evidence/evidence-store.js';
import { type FileRole, manifestSchema } from '../../evidence/manifest.js';
import { pageRoute } from './page-route.js';
import { parseQuery } from './page-parts.js';

const FILES: Record<string, { roles: FileRole[]; mime: string; inline: boolean }> = {
  'page.html': { roles: ['dom_html'], mime: 'text/html; charset=utf-8', inline: false },
  'screenshot.png': { roles: ['screenshot_annotated', 'screenshot_viewport'], mime: 'image/png', inline: true },
  'capture.warc': { roles: ['warc'], mime: 'application/warc', inline: false },
};

const params = z.object({
  id: z.coerce.number().int().positive(),
  file: z.enum(Object.keys(FILES) as [string, ...string[]]),
});

export function evidenceFilesPages(deps: { ctx: AppContext }): Router {
  const router = Router();
  pageRoute(router, { path: '/evidence/:id/:file', permission: 'evidence:export' }, async ({ req, res }) => {
    const { id, file } = parseQuery(params, req.params);
    const spec = FILES[file]!;
    const row = await deps.ctx.db.selectFrom('evidence').select('manifest').where('id', '=', id).executeTakeFirst();
    const m = row && manifestSchema.safeParse(row.manifest);
    if (!m?.success) throw new NotFoundError(`evidence ${id} does not exist`);
    const f = spec.roles.map((r) => m.data.files.find((x) => x.role === r)).find((x) => x !== undefined);
    if (!f) throw new NotFoundError(`evidence ${id} has no ${file}`);
    const bytes = deps.ctx.evidence ? await getIntact(deps.ctx.evidence, f.key) : null;
    if (!bytes) throw new NotFoundError(`evidence ${id}: the stored ${file} is missing or no longer matches its hash`);
    res.setHeader('Content-Type', spec.mime);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('ETag', `"${f.sha256}"`);
    res.setHeader(
      'Content-Disposition',
      `${spec.inline ? 'inline' : 'attachment'}; filename="evidence-${id}-${f.sha256.slice(0, 12)}-${file}"`,
    );
    res.end(bytes);
    return undefined;
  });
  return router;
}
