/** Names the Cases filter form suggests (resellers, sites, brands, tiers, regions): small catalog tables. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';

export interface CaseFilterOptions {
  resellers: string[];
  sites: string[];
  brands: string[];
  tiers: string[];
  regions: string[];
}

const LIMIT = 500;

export async function caseFilterOptions(db: Kysely<Database>): Promise<CaseFilterOptions> {
  const [resellers, sites, brands, tiers, regions] = await Promise.all([
    db.selectFrom('resellers').select('name as v').orderBy('name').limit(LIMIT).execute(),
    db.selectFrom('sites').select('name as v').orderBy('name').limit(LIMIT).execute(),
    db
      .selectFrom('products')
      .select('brand as v')
      .distinct()
      .where('brand', 'is not', null)
      .orderBy('brand')
      .limit(LIMIT)
      .execute(),
    db
      .selectFrom('resellers')
      .select('tier as v')
      .distinct()
      .where('tier', 'is not', null)
      .orderBy('tier')
      .limit(LIMIT)
      .execute(),
    db
      .selectFrom('resellers')
      .select('region as v')
      .distinct()
      .where('region', 'is not', null)
      .orderBy('region')
      .limit(LIMIT)
      .execute(),
  ]);
  const names = (rows: { v: string | null }[]) => rows.map((r) => r.v!).filter(Boolean);
  return {
    resellers: names(resellers),
    sites: names(sites),
    brands: names(brands),
    tiers: names(tiers),
    regions: names(regions),
  };
}
