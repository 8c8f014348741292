/**
 * The weekly KPI report email over a seeded history whose figures are worked out by hand
 * below. Reporting zone New York (UTC−5 in November), so a read at 03:00 UTC on Monday
 * belongs to the Sunday before, and one at 04:00 UTC on Monday 23 November to the week before.
 *
 * Product AMP: MAP 100.00, MSRP 125.00. A read at 100.00 is 20 % under MSRP, 90.00 is 28 %
 * and 80.00 is 36 %.
 * - Last week (Mon 23 – Sun 29 Nov):
 *   Alpha Audio (gold, US): 100, 100, 100 (the last at 22:00 Sunday New York), 90
 *     → 4 trustworthy reads, 3 compliant = 75.0 %; 1 violating at 10 % below;
 *       vs MSRP (−20 −20 −20 −28) ÷ 4 = −22.0 %.
 *   Beta Sound (silver, DE): 80, 80, one blocked read
 *     → 3 reads, 2 trustworthy, 0 compliant = 0.0 %; 2 violating at 20 %; vs MSRP −36.0 %;
 *       blocked 1 of 3 = 33.3 %.
 *   All: 7 reads, 6 trustworthy, 3 compliant = 50.0 %; 3 violating, depth (10+20+20)÷3 = 16.7,
 *     worst 20; vs MSRP (−60 −28 −72) ÷ 6 = −26.7 %; blocked 1 of 7 = 14.3 %.
 * - The week before (16 – 22 Nov):
 *   Alpha 100, 100 → 100.0 %, vs MSRP −20.0; Beta 90, 100 (the 100 at 23:00 Sunday New York)
 *     → 50.0 %, 1 violating, vs MSRP (−28 −20) ÷ 2 = −24.0; All 3 of 4 = 75.0 %, vs MSRP −22.0.
 * So Alpha's compliance changed −25.0 pts, Beta's −50.0, all −25.0; violating reads +1, +1, +2.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { reportWeek } from '../src/notify/build-weekly-report.js';
import { enqueueWeeklyReports } from '../src/notify/enqueue-weekly-reports.js';
import { createMailTransport, emlFileName } from '../src/notify/mail-transport.js';
import { notifySchema } from '../src/notify/notify-config.js';
import { sendPendingNotifications } from '../src/notify/send-pending.js';
import { queryWeeklyTrend } from '../src/kpis/query-weekly-trend.js';
import { BACKENDS, openTestDb } from './support/db.js';

const TZ = 'America/New_York';
const NOW = new Date('2026-11-30T12:00:00Z'); // Monday 07:00 in New York

const CSV_ALL = [
  'reseller,tier,region,reads,trustworthy_reads,compliance_pct,compliance_pct_prev_week,compliance_change_pts,violating_reads,violating_reads_prev_week,violating_reads_change,mean_depth_pct,worst_depth_pct,msrp_variance_pct,msrp_variance_pct_prev_week,cases_opened,notices_sent,blocked_pct',
  'Alpha Audio,gold,US,4,4,75,100,-25,1,0,1,10,10,-22,-20,0,0,0',
  'Beta Sound,silver,DE,3,2,0,50,-50,2,1,1,20,20,-36,-24,0,0,33.3',
  'All resellers,,,7,6,50,75,-25,3,1,2,16.7,20,-26.7,-22,0,0,14.3',
];

/** The parts of a MIME message as nodemailer writes it: headers and the decoded body of each leaf part. */
function mimeParts(raw: string): { headers: string; body: string }[] {
  const out: { headers: string; body: string }[] = [];
  const walk = (text: string) => {
    const split = text.indexOf('\n\n');
    const headers = text.slice(0, split).replace(/\n[ \t]+/g, ' ');
    const body = text.slice(split + 2);
    const boundary = /boundary="?([^";\n]+)"?/i.exec(headers)?.[1];
    if (/content-type:\s*multipart\//i.test(headers) && boundary) {
      for (const part of body.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        walk(part.replace(/^\n/, ''));
      }
      return;
    }
    const enc = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
    const decoded =
      enc === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : enc === 'quoted-printable'
          ? Buffer.from(
              body
                .replace(/=\n/g, '')
                .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            ).toString('utf8')
          : body;
    out.push({ headers, body: decoded });
  };
  walk(raw.replace(/\r\n/g, '\n'));
  return out;
}

/** The outbox's attachments column: JSON text or already parsed, depending on the driver. */
const attachmentsOf = (row: { attachments: unknown }) =>
  (typeof row.attachments === 'string' ? JSON.parse(row.attachments) : row.attachments) as {
    type: string;
    filename: string;
    content: string;
  }[];

describe.each(BACKENDS)('weekly KPI report email (%s)', (backend) => {
  let h: DbHandle;
  const cfg = notifySchema.parse({
    company: 'Northwind Audio',
    recipients: [
      { email: 'anna@brand.example', time_zone: 'America/Los_Angeles', digest_at: '08:00' },
      { email: 'gold@brand.example', tiers: ['gold'] },
      { email: 'quiet@brand.example', weekly_report: false },
    ],
  });

  beforeAll(async () => {
    h = await openTestDb(backend);
    const db = h.db;
    const p = await db
      .insertInto('products')
      .values({ sku: 'AMP', name: 'Amp', brand: 'Northwind' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('map_prices')
      .values({
        product_id: p.id,
        currency: 'USD',
        map_minor: 10000,
        list_minor: 12500,
        effective_from: new Date('2026-01-01T00:00:00Z'),
      })
      .execute();
    const listingOf = async (name: string, tier: string, region: string) => {
      const r = await db
        .insertInto('resellers')
        .values({ name, tier, region })
        .returning('id')
        .executeTakeFirstOrThrow();
      const s = await db
        .insertInto('sites')
        .values({
          name: name.toLowerCase().replace(/\W/g, ''),
          reseller_id: r.id,
          domain: `${r.id}.example`,
          config_hash: 'x',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (
        await db
          .insertInto('listings')
          .values({ site_id: s.id, product_id: p.id, url: `https://${r.id}.example/amp` })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    };
    const alpha = await listingOf('Alpha Audio', 'gold', 'US');
    const beta = await listingOf('Beta Sound', 'silver', 'DE');
    const read = (listing_id: number, at: string, price: number | 'blocked') =>
      price === 'blocked'
        ? { listing_id, captured_at: new Date(at), status: 'blocked' as const }
        : {
            listing_id,
            captured_at: new Date(at),
            status: 'ok' as const,
            amount_minor: price,
            currency: 'USD',
            verdict: price >= 10000 ? ('compliant' as const) : ('violation' as const),
            normalized_minor: price,
            map_minor: 10000,
          };
    await db
      .insertInto('observations')
      .values([
        // Last week.
        read(alpha, '2026-11-24T15:00:00Z', 10000),
        read(alpha, '2026-11-25T15:00:00Z', 10000),
        read(alpha, '2026-11-30T03:00:00Z', 10000), // Sunday 22:00 in New York
        read(alpha, '2026-11-26T15:00:00Z', 9000),
        read(beta, '2026-11-24T16:00:00Z', 8000),
        read(beta, '2026-11-27T16:00:00Z', 8000),
        read(beta, '2026-11-28T16:00:00Z', 'blocked'),
        // The week before.
        read(alpha, '2026-11-17T15:00:00Z', 10000),
        read(alpha, '2026-11-18T15:00:00Z', 10000),
        read(beta, '2026-11-18T16:00:00Z', 9000),
        read(beta, '2026-11-23T04:00:00Z', 10000), // Sunday 22 Nov, 23:00 in New York
      ])
      .execute();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reports the Monday–Sunday week before now in the reporting zone, or the week holding a given day', () => {
    expect(reportWeek({ now: NOW, timeZone: TZ })).toEqual({
      from: '2026-11-23',
      to: '2026-11-29',
      prevFrom: '2026-11-16',
      prevTo: '2026-11-22',
    });
    // 02:00 UTC on Monday is still Sunday in New York: the week reported is the one before.
    expect(reportWeek({ now: new Date('2026-11-30T02:00:00Z'), timeZone: TZ }).from).toBe('2026-11-16');
    expect(reportWeek({ now: NOW, timeZone: TZ, week: '2026-11-29' }).from).toBe('2026-11-23');
  });

  it('queues one report per recipient who wants it, due at their Monday digest_at, with the figures worked out above', async () => {
    const r = await enqueueWeeklyReports(h.db, cfg, { timeZone: TZ, now: NOW });
    expect(r.week.from).toBe('2026-11-23');
    expect(r.queued.map((q) => q.email)).toEqual(['anna@brand.example', 'gold@brand.example']);
    const rows = await h.db
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'weekly_report')
      .orderBy('recipient')
      .execute();
    expect(rows).toHaveLength(2);
    const anna = rows[0]!;
    // Monday 30 Nov 08:00 in Los Angeles.
    expect(new Date(anna.next_attempt_at).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(anna.subject).toBe(
      '[mapwatch] Week 2026-11-23 to 2026-11-29: 50.0% compliant (−25.0 pts), 3 violating read(s)',
    );
    const att = attachmentsOf(anna);
    expect(att).toHaveLength(1);
    expect(att[0]).toMatchObject({ type: 'file', filename: 'mapwatch-weekly-kpis-2026-11-23.csv' });
    expect(att[0]!.content.split('\r\n')).toEqual(CSV_ALL);
    // Worst compliance first in the text part.
    expect(anna.body_text).toContain(
      'All resellers: 50.0% compliant (−25.0 pts), 3 violating read(s) (+2), 0 case(s) opened, 0 notice(s) sent.',
    );
    expect(
      anna.body_text!.indexOf('Beta Sound: 0.0% compliant (−50.0 pts), 2 violating read(s), mean 20.0% below MAP'),
    ).toBeLessThan(
      anna.body_text!.indexOf('Alpha Audio: 75.0% compliant (−25.0 pts), 1 violating read(s), mean 10.0% below MAP'),
    );
    expect(anna.body_text!.indexOf('Beta Sound')).toBeGreaterThan(0);
    expect(anna.body_html).toContain('Weekly MAP compliance, 2026-11-23 to 2026-11-29');

    // The gold-tier recipient sees Alpha only, and totals of Alpha only.
    const gold = rows[1]!;
    expect(attachmentsOf(gold)[0]!.content.split('\r\n')).toEqual([
      CSV_ALL[0],
      CSV_ALL[1],
      'All resellers,,,4,4,75,100,-25,1,0,1,10,10,-22,-20,0,0,0',
    ]);
    expect(gold.body_html).not.toContain('Beta Sound');
    // UTC recipient with the default 08:00.
    expect(new Date(gold.next_attempt_at).toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('queues nothing twice for the same week: a re-run, a later run in the week, a retried job', async () => {
    const again = await enqueueWeeklyReports(h.db, cfg, { timeZone: TZ, now: NOW });
    expect(again.queued).toEqual([]);
    expect(again.existing.map((q) => q.email)).toEqual(['anna@brand.example', 'gold@brand.example']);
    const wednesday = await enqueueWeeklyReports(h.db, cfg, {
      timeZone: TZ,
      now: new Date('2026-12-02T12:00:00Z'),
    });
    expect(wednesday.week.from).toBe('2026-11-23');
    expect(wednesday.queued).toEqual([]);
    const n = await h.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('kind', '=', 'weekly_report')
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(2);
  });

  it('sends it with a text part, an HTML part and the CSV attached, once due', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-weekly-'));
    const transport = createMailTransport({ dataDir: dir });
    try {
      // Before Anna's 08:00 in Los Angeles only the UTC recipient's report is due.
      const early = await sendPendingNotifications(h.db, {
        transport,
        config: cfg,
        collect: false,
        now: () => new Date('2026-11-30T12:00:00Z'),
      });
      expect(early.sent).toBe(1);
      const late = await sendPendingNotifications(h.db, {
        transport,
        config: cfg,
        collect: false,
        now: () => new Date('2026-11-30T16:00:01Z'),
      });
      expect(late.sent).toBe(1);
      const anna = await h.db
        .selectFrom('outbox')
        .selectAll()
        .where('recipient', '=', 'anna@brand.example')
        .where('kind', '=', 'weekly_report')
        .executeTakeFirstOrThrow();
      expect(anna.status).toBe('sent');
      const files = fs.readdirSync(path.join(dir, 'outbox'));
      expect(files).toHaveLength(2);
      const raw = fs.readFileSync(path.join(dir, 'outbox', emlFileName(anna.message_id)), 'utf8');
      expect(raw).toMatch(/^X-Mapwatch-Kind: weekly_report$/m);
      const parts = mimeParts(raw);
      const text = parts.find((p) => /content-type:\s*text\/plain/i.test(p.headers))!;
      const html = parts.find((p) => /content-type:\s*text\/html/i.test(p.headers))!;
      const csv = parts.find((p) => /content-type:\s*text\/csv/i.test(p.headers))!;
      expect(text.body).toContain('All resellers: 50.0% compliant (−25.0 pts)');
      expect(html.body).toContain('Weekly MAP compliance, 2026-11-23 to 2026-11-29');
      expect(csv.headers).toMatch(/filename="?mapwatch-weekly-kpis-2026-11-23\.csv/);
      expect(csv.headers).toMatch(/content-disposition:\s*attachment/i);
      expect(csv.body.trim().split(/\r?\n/)).toEqual(CSV_ALL);
    } finally {
      transport.close();
    }
  });
  it("the dashboard's weekly lines per dimension come from the same rollup: a week per Monday, most violations first", async () => {
    // Rolled up by the runs above; a period that starts mid-week still shows that whole week's Monday.
    const t = await queryWeeklyTrend(h.db, { by: 'reseller', from: '2026-11-18', to: '2026-11-29' });
    expect(t.weeks).toEqual(['2026-11-16', '2026-11-23']);
    // Beta: 1 + 2 violating reads; Alpha: 0 + 1. The week of the 16th counts from the 18th on.
    expect(t.series).toEqual([
      { key: 'Beta Sound', violatingReads: 3, rates: [50, 0] },
      { key: 'Alpha Audio', violatingReads: 1, rates: [100, 75] },
    ]);
    expect(t.hidden).toBe(0);
    const one = await queryWeeklyTrend(h.db, { by: 'tier', from: '2026-11-16', to: '2026-11-29', lines: 1 });
    expect(one.series.map((s) => s.key)).toEqual(['silver']);
    expect(one.hidden).toBe(1);
  });
});
