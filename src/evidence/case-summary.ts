/**
 * The human-readable summary of one case: reseller, product, MAP, observed prices over
 * time, screenshots and hashes. Every string from a reseller's page (and every URL) is
 * escaped. Images are inline data: URIs (for an email attachment) or bundle paths.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { UserError } from '../errors.js';
import { formatMoney } from '../normalize/currency.js';
import { escapeHtml as e } from '../escape-html.js';
import { type EvidenceStore, getIntact } from './evidence-store.js';
import { loadCaseFacts } from '../cases/load-case-facts.js';
import { manifestSchema, type Manifest } from './manifest.js';

export interface SummaryOptions {
  store?: EvidenceStore;
  /** 'inline' embeds the annotated screenshots; 'bundle' links `files/<sha256>.png`. */
  images?: 'inline' | 'bundle' | 'none';
}

export async function loadCaseEvidence(db: Kysely<Database>, caseId: number) {
  const rows = await db.selectFrom('evidence').selectAll().where('case_id', '=', caseId).orderBy('id').execute();
  return rows.map((r) => ({ ...r, manifest: manifestSchema.parse(r.manifest) }));
}

function money(minor: number | null | undefined, currency: string | null | undefined): string {
  return minor === null || minor === undefined || !currency ? '—' : formatMoney(minor, currency);
}

export async function renderCaseSummary(
  db: Kysely<Database>,
  caseId: number,
  opts: SummaryOptions = {},
): Promise<string> {
  const [c] = await loadCaseFacts(db, [caseId]);
  if (!c) throw new UserError(`case ${caseId}: no such case`);
  const evidence = await loadCaseEvidence(db, caseId);
  const observations = await db
    .selectFrom('observations')
    .select([
      'id',
      'captured_at',
      'status',
      'amount_minor',
      'currency',
      'normalized_minor',
      'map_minor',
      'verdict',
      'raw_price_text',
    ])
    .where('listing_id', '=', c.listingId)
    .where('captured_at', '>=', c.firstSeenAt)
    .orderBy('captured_at')
    .orderBy('id')
    .limit(500)
    .execute();
  const images = opts.images ?? 'inline';
  const shots: string[] = [];
  for (const ev of evidence) {
    const shot =
      ev.manifest.files.find((f) => f.role === 'screenshot_annotated') ??
      ev.manifest.files.find((f) => f.role === 'screenshot_viewport');
    if (!shot || images === 'none') continue;
    let src: string | null = null;
    if (images === 'bundle') src = `files/${shot.sha256}.png`;
    else if (opts.store) {
      const bytes = await getIntact(opts.store, shot.key);
      if (bytes) src = `data:image/png;base64,${bytes.toString('base64')}`;
    }
    if (src)
      shots.push(
        `<figure><img src="${e(src)}" alt="screenshot of observation ${ev.observation_id}"><figcaption>Observation ${ev.observation_id}, ${e(ev.manifest.captured_at)} — sha256 <code>${e(shot.sha256)}</code></figcaption></figure>`,
      );
  }
  const obsRows = observations
    .map(
      (o) =>
        `<tr><td>${o.id}</td><td>${e(new Date(o.captured_at).toISOString())}</td><td>${e(o.status)}</td><td>${e(money(o.amount_minor, o.currency))}</td><td>${e(o.raw_price_text ?? '')}</td><td>${e(money(o.map_minor, o.currency))}</td><td>${e(o.verdict ?? '')}</td></tr>`,
    )
    .join('\n');
  const evRows = evidence.map((ev) => evidenceRow(ev.id, ev.manifest, ev.manifest_sha256, ev.chain_sha256)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mapwatch case ${c.caseId}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111;max-width:1200px}
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{font-size:11px;word-break:break-all}figure{margin:12px 0}img{max-width:100%;border:1px solid #ccc}
.k{color:#555}
</style></head><body>
<h1>Case ${c.caseId}: ${e(c.productName)} at ${e(c.resellerName)}</h1>
<table>
<tr><th>Reseller</th><td>${e(c.resellerName)} (site ${e(c.siteName)})</td></tr>
<tr><th>Product</th><td>${e(c.productName)} — SKU ${e(c.sku)}</td></tr>
<tr><th>Listing</th><td>${e(c.url)}</td></tr>
<tr><th>MAP</th><td>${e(money(c.mapMinor, c.currency))}</td></tr>
<tr><th>Lowest / last observed</th><td>${e(money(c.lowestMinor, c.currency))} / ${e(money(c.lastMinor, c.currency))}</td></tr>
<tr><th>Status, severity</th><td>${e(c.status)}, ${e(c.severity)}</td></tr>
<tr><th>Seen</th><td>${e(new Date(c.firstSeenAt).toISOString())} – ${e(new Date(c.lastSeenAt).toISOString())}</td></tr>
</table>
<h2>Observed prices over time</h2>
<table><tr><th>observation</th><th>captured (UTC)</th><th>status</th><th>price</th><th>as shown</th><th>MAP</th><th>verdict</th></tr>
${obsRows}
</table>
<h2>Evidence</h2>
<p class="k">Each evidence row carries the SHA-256 of its manifest and is chained to the row before it; every file's SHA-256 is listed in its manifest.
Check a bundle with <code>mapwatch evidence verify FILE.zip</code>.</p>
<table><tr><th>evidence</th><th>observation</th><th>captured (UTC)</th><th>final URL</th><th>server IP</th><th>HTTP</th><th>price</th><th>manifest sha256 / chain sha256</th><th>files</th></tr>
${evRows}
</table>
<h2>Screenshots</h2>
${shots.join('\n') || '<p>No screenshots were captured.</p>'}
</body></html>
`;
}

function evidenceRow(id: number, m: Manifest, mSha: string, chain: string): string {
  const price = m.offer ? `${String(m.offer.currency ?? '')} ${String(m.offer.amount ?? '')}` : m.status;
  const files = m.files.map((f) => `${e(f.role)}: <code>${e(f.sha256)}</code>`).join('<br>');
  return `<tr><td>${id}</td><td>${m.observation_id}</td><td>${e(m.captured_at)}</td><td>${e(m.final_url ?? m.requested_url)}</td><td>${e(m.server_ip ?? '')}</td><td>${e(m.http_status ?? '')}</td><td>${e(price)}</td><td><code>${e(mSha)}</code><br><code>${e(chain)}</code></td><td>${files}</td></tr>`;
}
