/**
 * The case list: the case facts plus how many reads back them, filtered, sorted and paged
 * in SQL (one query per page, so it stays fast at 100,000 cases; the indexes are in
 * migrations/20261201210000). The CLI pages by offset, the review app by page number and
 * the API by cursor (the last row's sort key, see cursor.ts).
 */
import { CompiledQuery, type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { percentBelowMap } from '../compare/percent-below.js';
import type { CaseStatus, Database } from '../db/tables.js';
import { InvalidInputError } from '../errors.js';
import type { CaseFilter, CaseSort } from './case-filter.js';
import { type CursorPage, decodeCursor, toCursorPage } from './cursor.js';
import { type PageRequest, pageOf } from './page.js';
import { planSerially } from './plan-serially.js';

export interface CaseRow {
  id: number;
  status: CaseStatus;
  severity: string;
  reseller: string;
  resellerTier: string | null;
  resellerRegion: string | null;
  site: string;
  sku: string;
  product: string;
  brand: string | null;
  url: string;
  currency: string;
  mapMinor: number;
  lowestMinor: number;
  lastMinor: number;
  percentBelow: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  observations: number;
  /** Why the case was closed: a person's dismissal note, or the automatic resolution. */
  note: string | null;
  closedAt: Date | null;
  /** Product name as the reseller's page states it: untrusted text. */
  pageProductName: string | null;
  /** The marketplace seller the page names: untrusted text. */
  seller: string | null;
  assignee: string | null;
}

export type CaseQuery = Omit<Partial<CaseFilter>, 'status'> & {
  status?: CaseStatus | readonly CaseStatus[];
  /** Severity names, mildest first (the policy's bands): what `sort=severity` ranks by. */
  severityOrder?: readonly string[];
  /** "Now" for `older_than_days` (tests). */
  now?: Date;
};

const DAY = 86_400_000;

/** `%` and `_` in a search are literal characters, not wildcards. */
function contains(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The filtered cases, on `cases` alone: filters on the reseller, site or product become
 * `listing_id in (…)` subqueries, so sorting and paging (and counting) never join five
 * tables over every case — the page's details are joined for its 50 rows only.
 */
function baseQuery(db: Kysely<Database>, f: CaseQuery) {
  let q = db.selectFrom('cases as c');
  const statuses = f.status === undefined ? [] : typeof f.status === 'string' ? [f.status] : [...f.status];
  if (statuses.length) q = q.where('c.status', 'in', statuses);
  if (f.severity?.length) q = q.where('c.severity', 'in', f.severity);
  // Each filter on the reseller, site or product is a condition on the listing's site or
  // product, answered from the small catalog tables (sites, resellers, products): the listings
  // are never joined to them, so a search costs one pass over listings, not a four-table join.
  const siteExact: [string | undefined, Expression<string | null>][] = [
    [f.reseller, sql<string>`r.name`],
    [f.site, sql<string>`s.name`],
    [f.tier, sql<string>`r.tier`],
    [f.region, sql<string>`r.region`],
  ];
  const productExact: [string | undefined, Expression<string | null>][] = [
    [f.brand, sql<string>`p.brand`],
    [f.sku, sql<string>`p.sku`],
  ];
  const pat = f.q ? contains(f.q) : undefined;
  const bySite = siteExact.some(([v]) => v !== undefined);
  const byProduct = productExact.some(([v]) => v !== undefined);
  if (bySite || byProduct || pat) {
    let l = db.selectFrom('listings as l').select('l.id');
    if (bySite) {
      let sites = db.selectFrom('sites as s').innerJoin('resellers as r', 'r.id', 's.reseller_id').select('s.id');
      for (const [value, col] of siteExact)
        if (value !== undefined) sites = sites.where(sql<SqlBool>`lower(${col}) = ${value.toLowerCase()}`);
      l = l.where('l.site_id', 'in', sites);
    }
    if (byProduct) {
      let products = db.selectFrom('products as p').select('p.id');
      for (const [value, col] of productExact)
        if (value !== undefined) products = products.where(sql<SqlBool>`lower(${col}) = ${value.toLowerCase()}`);
      l = l.where('l.product_id', 'in', products);
    }
    // The search: a product's name or SKU, or the reseller's name.
    if (pat)
      l = l.where((eb) =>
        eb.or([
          eb(
            'l.product_id',
            'in',
            eb
              .selectFrom('products')
              .select('id')
              .where((e) => e.or([e('name', 'ilike', pat), e('sku', 'ilike', pat)])),
          ),
          eb(
            'l.site_id',
            'in',
            eb
              .selectFrom('sites as s')
              .innerJoin('resellers as r', 'r.id', 's.reseller_id')
              .select('s.id')
              .where('r.name', 'ilike', pat),
          ),
        ]),
      );
    q = q.where('c.listing_id', 'in', l);
  }
  if (f.seller) q = q.where('c.seller', 'ilike', contains(f.seller));
  if (f.assignee)
    q =
      f.assignee === 'none'
        ? q.where('c.assignee', 'is', null)
        : q.where(sql<SqlBool>`lower(c.assignee) = ${f.assignee.toLowerCase()}`);
  if (f.older_than_days !== undefined)
    q = q.where('c.first_seen_at', '<=', new Date((f.now ?? new Date()).getTime() - f.older_than_days * DAY));
  return q;
}

/** The sort key as SQL, and how a cursor's value is cast back. */
function sortKey(sort: CaseSort, severityOrder: readonly string[] | undefined) {
  switch (sort) {
    case 'first_seen':
      return { expr: sql`c.first_seen_at`, text: sql<string>`c.first_seen_at::text`, cast: 'timestamptz' };
    case 'percent_below':
      // Integer millionths of the MAP: exact, and the expression the index is built on.
      return {
        expr: sql`((c.map_minor - c.lowest_minor) * 1000000 / c.map_minor)`,
        text: sql<string>`((c.map_minor - c.lowest_minor) * 1000000 / c.map_minor)::text`,
        cast: 'bigint',
      };
    case 'severity': {
      const names = severityOrder?.length ? [...severityOrder] : ['low', 'medium', 'high', 'critical'];
      const rank = sql`coalesce(array_position(${sql.val(names)}::text[], c.severity), 0)`;
      return { expr: rank, text: sql<string>`${rank}::text`, cast: 'integer' };
    }
    default:
      return { expr: sql`c.last_seen_at`, text: sql<string>`c.last_seen_at::text`, cast: 'timestamptz' };
  }
}

/**
 * The ordered ids of one page (cases alone, see baseQuery), then their details joined. The sort
 * key as text is for cursors only: an offset page computes its select list for every row it
 * skips, and a deep page (offset 75,000) spent most of its time casting those keys to text.
 */
function orderedIds(db: Kysely<Database>, f: CaseQuery) {
  const sort = f.sort ?? 'last_seen';
  const dir = f.dir ?? 'desc';
  const key = sortKey(sort, f.severityOrder);
  const ordered = baseQuery(db, f).orderBy(key.expr, dir).orderBy('c.id', dir);
  return { key, dir, ids: ordered.select('c.id'), keyed: ordered.select(['c.id', key.text.as('sort_key')]) };
}

function detailsQuery(db: Kysely<Database>, ids: number[]) {
  return db
    .selectFrom('cases as c')
    .innerJoin('listings as l', 'l.id', 'c.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .innerJoin('resellers as r', 'r.id', 's.reseller_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select((eb) => [
      'c.id',
      'c.status',
      'c.severity',
      'c.currency',
      'c.map_minor',
      'c.lowest_minor',
      'c.last_minor',
      'c.first_seen_at',
      'c.last_seen_at',
      'c.closed_at',
      'c.resolution_note',
      'c.assignee',
      'c.seller',
      'r.name as reseller',
      'r.tier',
      'r.region',
      's.name as site',
      'p.sku',
      'p.name as product',
      'p.brand',
      'l.url',
      eb
        .selectFrom('case_events as e')
        .whereRef('e.case_id', '=', 'c.id')
        .where('e.observation_id', 'is not', null)
        .select((e2) => e2.fn.count<string>('e.observation_id').distinct().as('n'))
        .as('observations'),
      eb
        .selectFrom('observations as o')
        .whereRef('o.listing_id', '=', 'l.id')
        .where('o.product_name', 'is not', null)
        .orderBy('o.captured_at', 'desc')
        .limit(1)
        .select('o.product_name')
        .as('page_product_name'),
    ])
    .where('c.id', 'in', ids);
}

async function details(db: Kysely<Database>, ids: number[]): Promise<CaseRow[]> {
  if (!ids.length) return [];
  const rows = await detailsQuery(db, ids).execute();
  const by = new Map(rows.map((r) => [r.id, toRow(r)]));
  return ids.map((id) => by.get(id)!);
}

type RawRow = Awaited<ReturnType<ReturnType<typeof detailsQuery>['execute']>>[number];

function toRow(r: RawRow): CaseRow {
  return {
    id: r.id,
    status: r.status,
    severity: r.severity,
    reseller: r.reseller,
    resellerTier: r.tier,
    resellerRegion: r.region,
    site: r.site,
    sku: r.sku,
    product: r.product,
    brand: r.brand,
    url: r.url,
    currency: r.currency,
    mapMinor: r.map_minor,
    lowestMinor: r.lowest_minor,
    lastMinor: r.last_minor,
    percentBelow: percentBelowMap(r.lowest_minor, r.map_minor),
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    observations: Number(r.observations ?? 0),
    note: r.resolution_note,
    closedAt: r.closed_at,
    pageProductName: r.page_product_name ?? null,
    seller: r.seller,
    assignee: r.assignee,
  };
}

/** One page of cases by offset (the CLI, the Cases page); default: the 100 most recently seen. */
export async function listCases(db: Kysely<Database>, f: CaseQuery & PageRequest = {}): Promise<CaseRow[]> {
  const page = pageOf(f);
  const ids = await planSerially(db, (trx) => orderedIds(trx, f).ids.limit(page.limit).offset(page.offset).execute());
  return details(
    db,
    ids.map((r) => r.id),
  );
}

/** One page of cases after `cursor` (the API and CSV export). */
export async function listCasesAfter(
  db: Kysely<Database>,
  f: CaseQuery & { limit?: number; cursor?: string },
): Promise<CursorPage<CaseRow>> {
  const { limit } = pageOf({ limit: f.limit }, 50);
  const { keyed: q, key, dir } = orderedIds(db, f);
  let query = q;
  if (f.cursor) {
    const [value, id] = decodeCursor(f.cursor, 2);
    if (typeof id !== 'number' || value === null)
      throw new InvalidInputError('cursor: not a cursor this list gave out; start again without one');
    const k = sql`cast(${value} as ${sql.raw(key.cast)})`;
    query = query.where(
      dir === 'desc'
        ? sql<SqlBool>`(${key.expr}, c.id) < (${k}, ${id})`
        : sql<SqlBool>`(${key.expr}, c.id) > (${k}, ${id})`,
    );
  }
  const rows = await query.limit(limit + 1).execute();
  const page = toCursorPage(rows, limit, (r) => [r.sort_key, r.id]);
  return {
    items: await details(
      db,
      page.items.map((r) => r.id),
    ),
    nextCursor: page.nextCursor,
  };
}

/** How many cases match, exactly (the CLI, tests); the Cases page uses countCasesForPage. */
export async function countCases(db: Kysely<Database>, f: CaseQuery = {}): Promise<number> {
  const r = await baseQuery(db, f)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * What "1–50 of N" says, within a page's time at any size:
 * - `exact`: at most `upTo` cases match (counted, the count stopping at upTo + 1);
 * - `about`: more match, and the filter is one the planner's statistics answer well (status,
 *   severity, assignee, age, or none): its estimate, to three figures. The whole list of
 *   100,000 cases or the 22,327 open high ones (estimated 22,256) would cost a count of every
 *   matching case on each view;
 * - `more_than`: more match, and the filter is a search or a reseller, site or product
 *   condition, whose estimates are guesses (a search for "Studio" was estimated at 75,000
 *   cases and matches 16,750): only the lower bound is said.
 * The API pages by cursor and gives no total, so nothing there depends on this.
 */
export interface CaseCount {
  n: number;
  kind: 'exact' | 'about' | 'more_than';
}

export const COUNT_EXACTLY_UP_TO = 2000;

const ESTIMABLE: readonly (keyof CaseQuery)[] = ['status', 'severity', 'assignee', 'older_than_days'];

export async function countCasesForPage(
  db: Kysely<Database>,
  f: CaseQuery = {},
  upTo = COUNT_EXACTLY_UP_TO,
): Promise<CaseCount> {
  const counted = await planSerially(db, (trx) =>
    trx
      .selectFrom(
        baseQuery(trx, f)
          .select(sql<number>`1`.as('one'))
          .limit(upTo + 1)
          .as('t'),
      )
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
  );
  const n = Number(counted.n);
  if (n <= upTo) return { n, kind: 'exact' };
  const filters = (Object.keys(f) as (keyof CaseQuery)[]).filter((k) => {
    const v = f[k];
    return v !== undefined && !(Array.isArray(v) && !v.length) && !['sort', 'dir', 'severityOrder', 'now'].includes(k);
  });
  if (filters.every((k) => ESTIMABLE.includes(k))) {
    const estimate = await estimateRows(
      db,
      baseQuery(db, f)
        .select(sql<number>`1`.as('one'))
        .compile(),
    );
    if (estimate > upTo) return { n: roundTo3Figures(estimate), kind: 'about' };
  }
  return { n: upTo, kind: 'more_than' };
}

/** The planner's row estimate for a query (EXPLAIN, nothing run). */
async function estimateRows(db: Kysely<Database>, q: CompiledQuery): Promise<number> {
  const r = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
    CompiledQuery.raw(`explain (format json) ${q.sql}`, [...q.parameters]),
  );
  const raw = r.rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan?: { 'Plan Rows'?: number } }[];
  return Math.round(plan[0]?.Plan?.['Plan Rows'] ?? 0);
}

function roundTo3Figures(x: number): number {
  if (x < 1000) return x;
  const unit = 10 ** (Math.floor(Math.log10(x)) - 2);
  return Math.round(x / unit) * unit;
}

/** Every matching case, a page at a time (CSV export): never the whole list in memory. */
export async function* walkCases(db: Kysely<Database>, f: CaseQuery, batch = 500): AsyncGenerator<CaseRow[]> {
  let cursor: string | undefined;
  do {
    const page = await listCasesAfter(db, { ...f, cursor, limit: batch });
    yield page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
