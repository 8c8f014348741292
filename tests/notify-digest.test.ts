/**
 * The daily digest: due per recipient time zone, once per local day; grouped by reseller
 * into new / still open / closed with totals and the change since yesterday; HTML and
 * text parts; page text escaped; the case's evidence screenshot as an inline CID image.
 * Evidence rows are real: written with issue 3's store and recordEvidence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { evidenceDir } from '../src/evidence/default-store.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { recordEvidence } from '../src/evidence/record-evidence.js';
import { buildDigest } from '../src/notify/build-digest.js';
import { enqueueDueDigests } from '../src/notify/collect-notifications.js';
import { createMailTransport } from '../src/notify/mail-transport.js';
import { notifySchema } from '../src/notify/notify-config.js';
import { sendPendingNotifications } from '../src/notify/send-pending.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';
import { type Catalog, observe, partsOf, seedCatalog, startSmtp, type TestSmtp } from './notify-fixtures.js';

// The evidence store lives under the data dir; set before anything reads the environment.
const DATA = tmpDir();
process.env.MAPWATCH_DATA_DIR = DATA;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);
const XSS = 'HP-1 <script>alert(1)</script>';
const H = 3_600_000;
const NOW = new Date('2026-11-20T14:00:00Z'); // 09:00 in New York

describe.each(BACKENDS)('daily digest on %s', (backend) => {
  let h: DbHandle;
  let smtp: TestSmtp;
  let cat: Catalog;
  const cfg = notifySchema.parse({
    company: 'Northwind Audio',
    recipients: [
      { email: 'anna@brand.example', time_zone: 'America/New_York', digest_at: '08:00', alerts: false },
      { email: 'tokyo@brand.example', time_zone: 'Asia/Tokyo', digest_at: '08:00', alerts: false, regions: ['JP'] },
    ],
  });

  beforeAll(async () => {
    h = await openTestDb(backend);
    smtp = await startSmtp();
    cat = await seedCatalog(
      h.db,
      [
        { name: 'Sound Depot', region: 'US', tier: 'gold', email: 'a@sd.example' },
        { name: 'AudioBargains', region: 'US', tier: 'silver', email: 'b@ab.example' },
      ],
      [
        { sku: 'HP-1', name: 'Northwind HP-1' },
        { sku: 'HP-2', name: 'Northwind HP-2' },
        { sku: 'HP-3', name: 'Northwind HP-3' },
      ],
    );
    // New in the last 24 hours, with a screenshot.
    const r = await observe(h.db, cat, 'Sound Depot/HP-1', 8000, new Date(NOW.getTime() - 2 * H), cfg, XSS);
    const store = new LocalEvidenceStore(evidenceDir(DATA));
    const shot = await store.put(PNG);
    const caseId = r.outcome.action === 'opened' ? r.outcome.caseId : -1;
    await h.db.transaction().execute((trx) =>
      recordEvidence(
        trx,
        { caseId, observationId: r.observationId, recheck: null },
        {
          version: 1,
          listing_id: cat.listing('Sound Depot/HP-1'),
          site: 'sound-depot',
          reseller: 'Sound Depot',
          sku: 'HP-1',
          render: 'browser',
          requested_url: 'https://sound-depot.example/p/HP-1',
          final_url: null,
          captured_at: new Date(NOW.getTime() - 2 * H).toISOString(),
          user_agent: 'test',
          server_ip: null,
          tls: null,
          http_status: 200,
          status: 'ok',
          reason: null,
          offer: null,
          verdict: null,
          map_rule: null,
          findings: [],
          files: [
            { role: 'screenshot_viewport', key: shot.key, sha256: shot.sha256, size: PNG.length, mime: 'image/png' },
          ],
        },
      ),
    );
    // Open since two days ago; and one resolved this morning.
    await observe(h.db, cat, 'AudioBargains/HP-2', 9000, new Date(NOW.getTime() - 48 * H), cfg);
    await observe(h.db, cat, 'AudioBargains/HP-3', 9400, new Date(NOW.getTime() - 30 * H), cfg);
    await observe(h.db, cat, 'AudioBargains/HP-3', 10000, new Date(NOW.getTime() - 3 * H), cfg);
  });
  afterAll(async () => {
    await smtp?.close();
    await h?.close();
  });

  it('groups by reseller with totals and the change since yesterday, in HTML and text', async () => {
    const d = await buildDigest(h.db, cfg.recipients[0]!, cfg, NOW);
    expect(d.totals).toEqual({ open: 2, openYesterday: 2, new: 1, closed: 1, findings: 0 });
    // Digests carry thumbnails, never the full-size evidence screenshots.
    expect(d.attachments.map((a) => a.type)).toEqual(['thumbnail']);
    expect(d.subject).toBe('[mapwatch] 2026-11-20: 2 open MAP case(s), 1 new, 1 closed');
    expect(d.text).toContain('Open: 2 (no change since yesterday). New: 1. Closed: 1.');
    const ab = d.text.slice(d.text.indexOf('AudioBargains'), d.text.indexOf('Sound Depot'));
    expect(ab).toMatch(
      /Still open:\n {2}#\d+ Northwind HP-2 \(HP-2\): MAP USD 100\.00, lowest USD 90\.00, 10% below, 2 days/,
    );
    expect(ab).toMatch(/Resolved or dismissed:\n {2}#\d+ Northwind HP-3/);
    expect(d.text).toMatch(
      /Sound Depot\n=+\nNew:\n {2}#\d+ Northwind HP-1 \(HP-1\): MAP USD 100\.00, lowest USD 80\.00, 20% below, today/,
    );
    expect(d.html).toContain('page says: “HP-1 &lt;script&gt;alert(1)&lt;/script&gt;”');
    expect(d.html).not.toContain('<script>');
    // The Tokyo manager follows JP resellers only: an all-clear digest.
    const jp = await buildDigest(h.db, cfg.recipients[1]!, cfg, NOW);
    expect(jp.totals.open).toBe(0);
    expect(jp.text).toContain('No cases in the last 24 hours. Nothing to do.');
  });

  it('is due once per local day in each time zone, and carries the screenshot as an inline CID image', async () => {
    expect(await enqueueDueDigests(h.db, cfg, new Date('2026-11-20T12:30:00Z'))).toBe(1); // 07:30 NY: not yet; 21:30 Tokyo: due
    expect(await enqueueDueDigests(h.db, cfg, NOW)).toBe(1); // 09:00 NY
    expect(await enqueueDueDigests(h.db, cfg, new Date(NOW.getTime() + 5 * H))).toBe(0);
    const r = await sendPendingNotifications(h.db, {
      transport: createMailTransport({ smtpUrl: smtp.url, dataDir: '/nonexistent' }),
      config: cfg,
      collect: false,
      now: () => NOW,
    });
    expect(r).toMatchObject({ sent: 2, failed: 0 });
    const m = smtp.messages.find((x) => x.to.includes('anna@brand.example'))!;
    const parts = partsOf(m.raw);
    const html = parts.find((p) => p.type === 'text/html')!.body;
    const img = parts.find((p) => p.type === 'image/png')!;
    expect(img.cid).toMatch(/^shot-\d+$/);
    expect(html).toContain(`<img src="cid:${img.cid}"`);
    // A thumbnail made from the evidence screenshot (here already tiny: 2 x 2).
    expect(img.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([img.bytes.readUInt32BE(16), img.bytes.readUInt32BE(20)]).toEqual([2, 2]);
    expect(parts.find((p) => p.type === 'text/plain')!.body).toContain('Open: 2');
    expect(m.raw).toMatch(/multipart\/related/i);
  });
});
