/**
 * What the reseller-facing notice letter states, taken from one read's evidence: the newest
 * evidence of the case whose comparison found the price below the MAP. Every figure comes
 * from that read's manifest (offer, MAP rule, verdict), so the letter says exactly what the
 * evidence shows, and its screenshots are that read's own, each checked against its hash.
 */
import type { Kysely } from 'kysely';
import { loadCaseFacts } from '../cases/load-case-facts.js';
import type { Database } from '../db/tables.js';
import { sha256Hex, type EvidenceStore } from '../evidence/evidence-store.js';
import { manifestSchema, type Manifest, type ManifestFile } from '../evidence/manifest.js';

export interface LetterShot {
  caption: string | null;
  png: Buffer;
}

/** The MAP rule as a manifest stores it (compare/compare-to-map.ts RuleApplied, dates as text). */
export interface StoredRule {
  mapMinor: number;
  baseMapMinor: number;
  currency: string;
  vatAdjustment: 'none' | 'removed' | 'added';
  vatRatePercent: number | null;
  packFactor: { listingPackSize: number; productPackSize: number };
  promo?: { kind: string; startsAt: string; endsAt: string; timeZone: string; note?: string };
}

export interface NoticeLetterFacts {
  resellerName: string;
  productName: string;
  sku: string;
  url: string;
  capturedAt: Date;
  /** The price as the page showed it, and its visible text there ("219,00 €") when it was read from the text. */
  advertisedMinor: number;
  advertisedCurrency: string;
  advertisedText: string | null;
  /** The advertised price on the MAP's basis (VAT, pack), as the comparison decided on it. */
  comparedMinor: number;
  belowMinor: number;
  percentBelow: number;
  rule: StoredRule;
  /** In order: the step screenshots, then the annotated one (the price outlined). */
  shots: LetterShot[];
  /** SHA-256 of the web archive (WARC) of the read, if one was kept. */
  archiveSha256: string | null;
}

type Verdict = { kind: string; normalizedMinor?: number; belowMinor?: number; percentBelow?: number };

/** The letter's facts, or null when the case has no evidence of a read below the MAP. */
export async function loadNoticeLetterFacts(
  db: Kysely<Database>,
  caseId: number,
  store: EvidenceStore,
): Promise<NoticeLetterFacts | null> {
  const [c] = await loadCaseFacts(db, [caseId]);
  if (!c) return null;
  const rows = await db
    .selectFrom('evidence')
    .select(['manifest'])
    .where('case_id', '=', caseId)
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  for (const r of rows) {
    const m = manifestSchema.safeParse(r.manifest);
    if (!m.success) continue;
    const facts = await fromManifest(m.data, store);
    if (facts) return { resellerName: c.resellerName, productName: c.productName, sku: c.sku, url: c.url, ...facts };
  }
  return null;
}

async function fromManifest(
  m: Manifest,
  store: EvidenceStore,
): Promise<Omit<NoticeLetterFacts, 'resellerName' | 'productName' | 'sku' | 'url'> | null> {
  const v = m.verdict as Verdict | null;
  const rule = m.map_rule as StoredRule | null;
  const offer = m.offer as { amount_minor?: number; currency?: string; raw?: string; source?: string } | null;
  if (v?.kind !== 'violation' || !rule?.packFactor || typeof offer?.amount_minor !== 'number' || !offer.currency)
    return null;
  const annotated =
    m.files.find((f) => f.role === 'screenshot_annotated') ?? m.files.find((f) => f.role === 'screenshot_viewport');
  if (!annotated) return null;
  const shots: LetterShot[] = [];
  for (const f of [...m.files.filter((x) => x.role === 'screenshot_step'), annotated]) {
    const png = await checked(store, f);
    // A missing or altered picture is not evidence: this read cannot back the letter.
    if (!png) return null;
    shots.push({ caption: f.caption ?? null, png });
  }
  // Only text read off the visible page is quoted as "shown on the page"; structured data is not what a visitor sees.
  const visible = offer.source === 'selector' || offer.source === 'text';
  const raw = visible ? offer.raw?.replace(/\s+/g, ' ').trim() : undefined;
  return {
    capturedAt: new Date(m.captured_at),
    advertisedMinor: offer.amount_minor,
    advertisedCurrency: offer.currency,
    advertisedText: raw && raw.length <= 40 ? raw : null,
    comparedMinor: v.normalizedMinor!,
    belowMinor: v.belowMinor!,
    percentBelow: v.percentBelow!,
    rule,
    shots,
    archiveSha256: m.files.find((f) => f.role === 'warc')?.sha256 ?? null,
  };
}

async function checked(store: EvidenceStore, f: ManifestFile): Promise<Buffer | null> {
  const bytes = await store.get(f.key);
  return bytes && sha256Hex(bytes) === f.sha256 ? bytes : null;
}
