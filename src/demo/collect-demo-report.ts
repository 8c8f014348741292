/**
 * Reads back, from the database the demo wrote, every fact its summary shows: the cases
 * with their evidence, the re-check that rejected a read, the promo and VAT adjustments,
 * the findings (MAP evasion, unauthorized sellers), site health and the emails written.
 * Nothing here is computed from the storefronts' known prices: the summary reports what
 * the pipeline concluded, so a broken stage shows up as a wrong summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { queryKpis, type KpiRow } from '../kpis/query-kpis.js';
import { rollUpDue } from '../kpis/roll-up-due.js';
import type { Kysely } from 'kysely';
import type { Verdict } from '../compare/compare-to-map.js';
import type { Database } from '../db/tables.js';
import { manifestSchema } from '../evidence/manifest.js';
import { listSiteHealth } from '../queries/list-site-health.js';
import type { SiteHealthRow } from '../health/format-site-health.js';
import { emlFileName } from '../notify/mail-transport.js';
import { type CaseRow, listCases } from '../queries/list-cases.js';
import type { UnauthorizedSeller } from '../check/find-unauthorized-sellers.js';

export interface DemoPaths {
  workspace: string;
  crawlers: string;
  catalog: string;
  config: string;
  evidence: string;
  screenshots: string;
  outbox: string;
}

export interface ListingRef {
  site: string;
  reseller: string;
  sku: string;
}

export interface DemoReport {
  paths: DemoPaths;
  firstViolationWithEvidenceMs: number | null;
  cases: (CaseRow & { evidenceRows: number; screenshot: string | null })[];
  rejectedRechecks: (ListingRef & {
    first: { status: string; amountMinor: number | null; currency: string | null };
    second: { status: string; amountMinor: number | null; currency: string | null } | null;
  })[];
  promoReads: (ListingRef & {
    observedMinor: number;
    mapMinor: number;
    baseMapMinor: number;
    currency: string;
    note: string | null;
    verdict: string;
  })[];
  vatReads: (ListingRef & {
    raw: string | null;
    observedMinor: number;
    normalizedMinor: number;
    mapMinor: number;
    currency: string;
    ratePercent: number | null;
    verdict: string;
    percentBelow: number | null;
  })[];
  evasion: (ListingRef & {
    phrases: string[];
    revealedBySteps: boolean;
    priceMinor: number | null;
    currency: string | null;
  })[];
  /** `listingDiscovered`: the listing was found by discovery, not listed in a config. */
  /** `evidenceSha256`: the manifest hash of the stored page that shows the seller (null: none kept). */
  unauthorizedSellers: (ListingRef &
    UnauthorizedSeller & { listingDiscovered: boolean; evidenceSha256: string | null })[];
  health: SiteHealthRow[];
  siteAlerts: { site: string; kind: string; reason: string | null }[];
  blockReasons: (ListingRef & { reason: string })[];
  readErrors: (ListingRef & { reason: string })[];
  emails: { kind: string; to: string; subject: string; status: string; file: string }[];
  notices: { caseId: number; step: number | null; status: string; reason: string | null }[];
  /** Channel KPIs over the demo's reads (the rollup brought up to date first). */
  kpis: { byReseller: KpiRow[]; byTier: KpiRow[] };
}

export async function collectDemoReport(db: Kysely<Database>, paths: DemoPaths, startedAt: Date): Promise<DemoReport> {
  const obs = await db
    .selectFrom('observations as o')
    .innerJoin('listings as l', 'l.id', 'o.listing_id')
    .innerJoin('sites as s', 's.id', 'l.site_id')
    .innerJoin('resellers as r', 'r.id', 's.reseller_id')
    .innerJoin('products as p', 'p.id', 'l.product_id')
    .select([
      'o.id',
      'o.listing_id',
      'o.status',
      'o.reason',
      'o.amount_minor',
      'o.currency',
      'o.raw_price_text',
      'o.verdict_detail',
      's.name as site',
      'r.name as reseller',
      'p.sku',
      'l.discovered',
    ])
    .orderBy('o.id')
    .execute();
  const refOf = (o: (typeof obs)[number]): ListingRef => ({ site: o.site, reseller: o.reseller, sku: o.sku });
  const byId = new Map(obs.map((o) => [o.id, o]));
  // The latest ok read per listing tells what the comparison concluded about it.
  const latestOk = new Map<number, (typeof obs)[number]>();
  for (const o of obs) if (o.status === 'ok' && o.verdict_detail) latestOk.set(o.listing_id, o);

  const promoReads: DemoReport['promoReads'] = [];
  const vatReads: DemoReport['vatReads'] = [];
  for (const o of latestOk.values()) {
    const v = o.verdict_detail as Verdict;
    if (!('rule' in v) || !v.rule) continue;
    if (v.rule.promo) {
      promoReads.push({
        ...refOf(o),
        observedMinor: v.rule.observedMinor,
        mapMinor: v.rule.mapMinor,
        baseMapMinor: v.rule.baseMapMinor,
        currency: v.rule.currency,
        note: v.rule.promo.note ?? null,
        verdict: v.kind,
      });
    }
    if (v.rule.vatAdjustment !== 'none' && v.kind !== 'not_comparable') {
      vatReads.push({
        ...refOf(o),
        raw: o.raw_price_text,
        observedMinor: v.rule.observedMinor,
        normalizedMinor: v.normalizedMinor,
        mapMinor: v.mapMinor,
        currency: v.currency,
        ratePercent: v.rule.vatRatePercent,
        verdict: v.kind,
        percentBelow: v.kind === 'violation' ? v.percentBelow : null,
      });
    }
  }

  const rechecks = await db
    .selectFrom('rechecks')
    .select(['first_observation_id', 'second_observation_id', 'agreed'])
    .where('agreed', '=', false)
    .orderBy('id')
    .execute();
  const side = (id: number | null) => {
    const o = id === null ? undefined : byId.get(id);
    return o ? { status: o.status, amountMinor: o.amount_minor, currency: o.currency } : null;
  };
  const rejectedRechecks = rechecks.map((r) => ({
    ...refOf(byId.get(r.first_observation_id)!),
    first: side(r.first_observation_id)!,
    second: side(r.second_observation_id),
  }));

  const findings = await db.selectFrom('findings').select(['observation_id', 'kind', 'detail']).orderBy('id').execute();
  const evasion: DemoReport['evasion'] = [];
  const unauthorized = new Map<string, DemoReport['unauthorizedSellers'][number]>();
  for (const f of findings) {
    const o = byId.get(f.observation_id)!;
    if (f.kind === 'map_evasion') {
      const d = f.detail as { phrases: string[]; revealed_by_steps: boolean };
      if (!evasion.some((e) => e.site === o.site && e.sku === o.sku)) {
        evasion.push({
          ...refOf(o),
          phrases: d.phrases,
          revealedBySteps: d.revealed_by_steps,
          priceMinor: o.amount_minor,
          currency: o.currency,
        });
      }
    } else if (f.kind === 'unauthorized_seller') {
      // One line per seller and listing: the same offer seen on every sweep is one fact.
      for (const s of (f.detail as { sellers: UnauthorizedSeller[] }).sellers)
        unauthorized.set(`${o.listing_id}|${s.seller}`, {
          ...refOf(o),
          ...s,
          listingDiscovered: o.discovered,
          evidenceSha256: null,
        });
    }
  }
  const sellerEvidence = [...unauthorized.values()].flatMap((u) =>
    u.evidence_id === undefined ? [] : [u.evidence_id],
  );
  if (sellerEvidence.length) {
    const rows = await db
      .selectFrom('evidence')
      .select(['id', 'manifest_sha256'])
      .where('id', 'in', sellerEvidence)
      .execute();
    const hashes = new Map(rows.map((r) => [r.id, r.manifest_sha256]));
    for (const u of unauthorized.values()) u.evidenceSha256 = hashes.get(u.evidence_id ?? -1) ?? null;
  }

  const cases = await listCases(db);
  const withEvidence: DemoReport['cases'] = [];
  fs.mkdirSync(paths.screenshots, { recursive: true });
  for (const c of cases.sort((a, b) => a.id - b.id)) {
    const ev = await db.selectFrom('evidence').select(['manifest']).where('case_id', '=', c.id).orderBy('id').execute();
    let screenshot: string | null = null;
    for (const e of ev) {
      const m = manifestSchema.safeParse(e.manifest);
      const f = m.success
        ? (m.data.files.find((x) => x.role === 'screenshot_annotated') ??
          m.data.files.find((x) => x.role === 'screenshot_viewport'))
        : undefined;
      if (!f) continue;
      // A readable copy beside the content-addressed original, named for people.
      screenshot = path.join(paths.screenshots, `case-${c.id}-${c.site}-${c.sku}.png`);
      fs.copyFileSync(path.join(paths.evidence, f.key), screenshot);
      break;
    }
    withEvidence.push({ ...c, evidenceRows: ev.length, screenshot });
  }

  const first = await db
    .selectFrom('evidence')
    .select((eb) => eb.fn.min('created_at').as('at'))
    .executeTakeFirst();
  const firstAt = first?.at ? new Date(first.at as Date) : null;

  const alerts = await db
    .selectFrom('site_alerts as a')
    .innerJoin('sites as s', 's.id', 'a.site_id')
    .select(['s.name as site', 'a.kind', 'a.detail'])
    .orderBy('a.id')
    .execute();
  const outbox = await db
    .selectFrom('outbox')
    .select(['kind', 'recipient', 'subject', 'status', 'message_id'])
    .orderBy('id')
    .execute();
  const notices = await db
    .selectFrom('notices')
    .select(['case_id', 'step', 'status', 'reason'])
    .orderBy('id')
    .execute();
  const latestPerListing = new Map<number, (typeof obs)[number]>();
  for (const o of obs) latestPerListing.set(o.listing_id, o);

  // The demo reads happen today, in UTC; the rollup covers them and the KPIs report that day.
  const rolled = await rollUpDue(db, { timeZone: 'UTC' });
  const period = { from: rolled.from ?? startedAt.toISOString().slice(0, 10), to: rolled.to ?? '9999-12-31' };
  const kpis = {
    byReseller: await queryKpis(db, { by: 'reseller', ...period }),
    byTier: await queryKpis(db, { by: 'tier', ...period }),
  };

  return {
    kpis,
    paths,
    firstViolationWithEvidenceMs: firstAt ? firstAt.getTime() - startedAt.getTime() : null,
    cases: withEvidence,
    rejectedRechecks,
    promoReads,
    vatReads,
    evasion,
    unauthorizedSellers: [...unauthorized.values()],
    health: await listSiteHealth(db),
    siteAlerts: alerts.map((a) => ({
      site: a.site,
      kind: a.kind,
      reason: (a.detail as { reason?: string | null }).reason ?? null,
    })),
    blockReasons: [
      ...new Map(
        obs
          .filter((o) => o.status === 'blocked')
          .map((o) => [`${o.site}|${o.reason}`, { ...refOf(o), reason: o.reason ?? 'blocked' }]),
      ).values(),
    ],
    readErrors: [...latestPerListing.values()]
      .filter((o) => o.status === 'error')
      .map((o) => ({ ...refOf(o), reason: o.reason ?? 'error' })),
    emails: outbox.map((m) => ({
      kind: m.kind,
      to: m.recipient,
      subject: m.subject,
      status: m.status,
      file: path.join(paths.outbox, emlFileName(m.message_id)),
    })),
    notices: notices.map((n) => ({ caseId: n.case_id, step: n.step, status: n.status, reason: n.reason })),
  };
}
