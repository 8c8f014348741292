/**
 * The notice letter as a PDF, rendered by the Chromium already in use (JavaScript off, no
 * network: the HTML carries its screenshots inline). Attached to notices and downloaded
 * from the case page. Null when the case has no evidence of a read below the MAP yet.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { defaultEvidenceStore } from '../evidence/default-store.js';
import type { BrowserPool } from '../fetch/browser/browser-pool.js';
import { renderPdf } from '../fetch/browser/render-pdf.js';
import { loadNoticeLetterFacts } from './notice-letter-facts.js';
import type { NotifyConfig } from './notify-config.js';
import { renderNoticeLetter } from './render-notice-letter.js';

export interface NoticePdf {
  pdf: Buffer;
  /** For the reseller: the product and the day, no internal number. */
  filename: string;
}

export async function noticePdf(
  db: Kysely<Database>,
  caseId: number,
  opts: { config: NotifyConfig; browser?: BrowserPool; now?: Date },
): Promise<NoticePdf | null> {
  const facts = await loadNoticeLetterFacts(db, caseId, opts.config.evidenceStore ?? defaultEvidenceStore());
  if (!facts) return null;
  const html = renderNoticeLetter(facts, { config: opts.config, now: opts.now ?? new Date() });
  const pdf = await renderPdf(opts.browser ?? opts.config.browser, html);
  const sku = facts.sku.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
  return { pdf, filename: `MAP-notice-${sku}-${facts.capturedAt.toISOString().slice(0, 10)}.pdf` };
}
