/**
 * Comparison and case policy: tolerance, severity bands, auto-resolve. Read from the
 * environment once; defaults suit a first run.
 *   MAPWATCH_TOLERANCE_PERCENT  below-MAP margin still counted compliant (default 0)
 *   MAPWATCH_SEVERITY_BANDS     name:minPercentBelow,...  (default low:0,medium:5,high:15)
 *   MAPWATCH_RESOLVE_AFTER      clean reads in a row that resolve a case (default 2)
 */
import { z } from 'zod';
import type { CasePolicy } from '../cases/open-or-update-case.js';
import { UserError } from '../errors.js';

export interface ComparePolicy extends CasePolicy {
  tolerance: { percent: number | null; absMinor: number | null };
  severityBands: { name: string; minPercentBelow: number }[];
}

const schema = z.object({
  MAPWATCH_TOLERANCE_PERCENT: z.coerce.number().min(0).max(99).default(0),
  MAPWATCH_SEVERITY_BANDS: z
    .string()
    .default('low:0,medium:5,high:15')
    .transform((s, ctx) => {
      const bands = s.split(',').map((part) => {
        const [name, min] = part.split(':');
        return { name: (name ?? '').trim(), minPercentBelow: Number(min) };
      });
      if (bands.some((b) => !b.name || !Number.isFinite(b.minPercentBelow) || b.minPercentBelow < 0)) {
        ctx.addIssue({ code: 'custom', message: 'must look like low:0,medium:5,high:15' });
        return z.NEVER;
      }
      return bands.sort((a, b) => a.minPercentBelow - b.minPercentBelow);
    }),
  MAPWATCH_RESOLVE_AFTER: z.coerce.number().int().min(1).default(2),
});

export function loadPolicy(source: NodeJS.ProcessEnv = process.env): ComparePolicy {
  const r = schema.safeParse(source);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UserError(`environment variable ${i.path.join('.')}: ${i.message}`);
  }
  const v = r.data;
  return Object.freeze({
    tolerance: { percent: v.MAPWATCH_TOLERANCE_PERCENT || null, absMinor: null },
    severityBands: v.MAPWATCH_SEVERITY_BANDS,
    severityOrder: v.MAPWATCH_SEVERITY_BANDS.map((b) => b.name),
    resolveAfter: v.MAPWATCH_RESOLVE_AFTER,
  });
}
