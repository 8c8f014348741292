/**
 * Read side of evidence for other stages (digests, notices). Both use the store under
 * `<data dir>/evidence` unless one is given.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { renderCaseSummary } from './case-summary.js';
import { defaultEvidenceStore } from './default-store.js';
import { getIntact, type EvidenceStore } from './evidence-store.js';
import { manifestSchema } from './manifest.js';
import { pngThumbnail } from './png-thumbnail.js';

/** The newest annotated viewport screenshot of the case (the plain one if none was annotated), or null. */
export async function latestScreenshot(
  db: Kysely<Database>,
  caseId: number,
  store: EvidenceStore = defaultEvidenceStore(),
): Promise<{ bytes: Buffer; sha256: string; mime: 'image/png' } | null> {
  const rows = await db
    .selectFrom('evidence')
    .select(['manifest'])
    .where('case_id', '=', caseId)
    .orderBy('id', 'desc')
    .limit(20)
    .execute();
  for (const r of rows) {
    const m = manifestSchema.safeParse(r.manifest);
    if (!m.success) continue;
    const f =
      m.data.files.find((x) => x.role === 'screenshot_annotated') ??
      m.data.files.find((x) => x.role === 'screenshot_viewport');
    if (!f) continue;
    // A file that no longer matches its hash is not evidence; never hand it out as such.
    const bytes = await getIntact(store, f.key);
    if (bytes) return { bytes, sha256: f.sha256, mime: 'image/png' };
  }
  return null;
}

/** Digests show screenshots 120 px wide; twice that stays sharp on high-density screens. */
export const THUMBNAIL_WIDTH = 240;

/** A small PNG of the case's newest screenshot for digests, or null (no screenshot, or one it cannot read). */
export async function latestThumbnail(
  db: Kysely<Database>,
  caseId: number,
  store: EvidenceStore = defaultEvidenceStore(),
  maxWidth = THUMBNAIL_WIDTH,
): Promise<{ bytes: Buffer; mime: 'image/png'; width: number; height: number } | null> {
  const shot = await latestScreenshot(db, caseId, store);
  if (!shot) return null;
  try {
    const t = pngThumbnail(shot.bytes, maxWidth);
    return { bytes: t.png, mime: 'image/png', width: t.width, height: t.height };
  } catch {
    // Never fall back to the full-size image: that is what made digests megabytes.
    return null;
  }
}

/** The case summary HTML (as in the export bundle), screenshots inlined. Reseller text is escaped. */
export async function caseSummaryHtml(
  db: Kysely<Database>,
  caseId: number,
  store: EvidenceStore = defaultEvidenceStore(),
): Promise<string> {
  return renderCaseSummary(db, caseId, { store, images: 'inline' });
}

/** One read's screenshot (annotated if there is one), or null; bytes that no longer match their hash are never returned. */
export async function observationScreenshot(
  db: Kysely<Database>,
  observationId: number,
  store: EvidenceStore,
): Promise<{ bytes: Buffer; sha256: string; mime: 'image/png' } | null> {
  const row = await db
    .selectFrom('evidence')
    .select(['manifest'])
    .where('observation_id', '=', observationId)
    .executeTakeFirst();
  const m = row && manifestSchema.safeParse(row.manifest);
  if (!m?.success) return null;
  const f =
    m.data.files.find((x) => x.role === 'screenshot_annotated') ??
    m.data.files.find((x) => x.role === 'screenshot_viewport');
  if (!f) return null;
  const bytes = await getIntact(store, f.key);
  return bytes ? { bytes, sha256: f.sha256, mime: 'image/png' } : null;
}
