/**
 * The evidence a finding points at, as the Findings page, the API, `mapwatch findings` and the
 * digest name it: the chained manifest's SHA-256 (what `mapwatch evidence verify --db` checks),
 * the stored page's SHA-256, when and by which read it was captured, and which files it holds.
 * Only the manifest's file list is read, never the files.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';

export interface FindingEvidenceRef {
  id: number;
  /** The manifest's SHA-256, the link of the evidence hash chain. */
  manifestSha256: string;
  /** SHA-256 of the stored page HTML (dom_html), if the capture has one. */
  pageSha256: string | null;
  capturedAt: Date;
  /** The read captured: the finding's own, or the day's first read that showed the seller. */
  observationId: number;
  /** Set when the read was kept as a case's evidence rather than the finding's own. */
  caseId: number | null;
  /** Whether the capture holds a screenshot (browser reads, or static reads screenshotted for a case). */
  screenshot: boolean;
  /** Whether the capture holds a WARC (browser reads that were not asked to capture keep HTML only). */
  warc: boolean;
}

interface FileEntry {
  role?: unknown;
  sha256?: unknown;
}

export async function loadFindingEvidenceRefs(
  db: Kysely<Database>,
  ids: readonly (number | null | undefined)[],
): Promise<Map<number, FindingEvidenceRef>> {
  const wanted = [...new Set(ids.filter((x): x is number => typeof x === 'number'))];
  if (!wanted.length) return new Map();
  const rows = await db
    .selectFrom('evidence')
    .select([
      'id',
      'manifest_sha256',
      'captured_at',
      'observation_id',
      'case_id',
      sql<unknown>`manifest -> 'files'`.as('files'),
    ])
    .where('id', 'in', wanted)
    .execute();
  return new Map(
    rows.map((r) => {
      const raw = typeof r.files === 'string' ? (JSON.parse(r.files) as unknown) : r.files;
      const files = (Array.isArray(raw) ? raw : []) as FileEntry[];
      const page = files.find((f) => f.role === 'dom_html');
      return [
        r.id,
        {
          id: r.id,
          manifestSha256: r.manifest_sha256,
          pageSha256: typeof page?.sha256 === 'string' ? page.sha256 : null,
          capturedAt: new Date(r.captured_at),
          observationId: r.observation_id,
          caseId: r.case_id,
          screenshot: files.some((f) => f.role === 'screenshot_annotated' || f.role === 'screenshot_viewport'),
          warc: files.some((f) => f.role === 'warc'),
        },
      ];
    }),
  );
}
