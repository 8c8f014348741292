/**
 * /api/v1/kpis: channel KPIs by a dimension over a period (the same query as `mapwatch
 * kpis` and the dashboard), plus each KPI's definition so a client can label its columns;
 * /api/v1/kpis.csv streams the same rows.
 */
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/tables.js';
import { InvalidInputError } from '../../errors.js';
import { KPI_IDS, KPIS } from '../../kpis/kpi-definitions.js';
import { KPI_DIMENSIONS, queryKpis } from '../../kpis/query-kpis.js';
import { apiRoute } from './api-route.js';
import { sendCsv } from './send-csv.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
export const kpiQuery = z.object({ by: z.enum(KPI_DIMENSIONS).default('reseller'), from: day, to: day });

const kpiRowSchema = z.object({
  key: z.string(),
  reads: z.number().int(),
  trustworthyReads: z.number().int(),
  kpis: z.record(z.string(), z.number().nullable()),
});

const responseSchema = z.object({
  by: z.enum(KPI_DIMENSIONS),
  from: z.string(),
  to: z.string(),
  definitions: z.record(z.string(), z.object({ label: z.string(), unit: z.string(), description: z.string() })),
  rows: z.array(kpiRowSchema),
});

const definitions = Object.fromEntries(
  KPI_IDS.map((id) => [id, { label: KPIS[id].label, unit: KPIS[id].unit, description: KPIS[id].description }]),
);

function checkRange(q: { from: string; to: string }): void {
  if (q.from > q.to) throw new InvalidInputError(`query.from: ${q.from} is after to ${q.to}`);
}

export function kpisApi(db: Kysely<Database>): Router {
  const router = Router();
  apiRoute(
    router,
    {
      method: 'get',
      path: '/kpis',
      summary: 'Show channel KPIs by a dimension over a period',
      tag: 'kpis',
      permission: 'read',
      query: kpiQuery,
      response: responseSchema,
    },
    async ({ query }) => {
      checkRange(query);
      const rows = await queryKpis(db, query);
      return {
        ...query,
        definitions,
        rows: rows.map((r) => ({
          key: r.key,
          reads: r.sums.reads,
          trustworthyReads: r.sums.trustworthyReads,
          kpis: r.kpis,
        })),
      };
    },
  );
  apiRoute(
    router,
    {
      method: 'get',
      path: '/kpis.csv',
      summary: 'Download channel KPIs as CSV',
      tag: 'kpis',
      permission: 'read',
      query: kpiQuery,
      produces: 'text/csv',
    },
    async ({ query, res }) => {
      checkRange(query);
      const rows = await queryKpis(db, query);
      await sendCsv(res, {
        filename: `kpis-by-${query.by}-${query.from}-${query.to}.csv`,
        columns: [
          { header: query.by, value: (r) => r.key },
          { header: 'reads', value: (r) => r.sums.reads },
          { header: 'trustworthy_reads', value: (r) => r.sums.trustworthyReads },
          ...KPI_IDS.map((id) => ({ header: id, value: (r: (typeof rows)[number]) => r.kpis[id] })),
        ],
        rows: (async function* () {
          yield rows;
        })(),
      });
      return undefined;
    },
  );
  return router;
}
