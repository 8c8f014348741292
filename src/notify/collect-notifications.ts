/**
 * Puts scheduled mail into the outbox: each recipient's daily digest once it is due in
 * their time zone, an ops email for each new site-health alert (`site_alerts`, from
 * issue 4, when that table exists), and one for each discovery run that changed listings
 * (enqueue-listing-changes.ts). All are idempotent: the digest's key is recipient + local
 * date, and a site alert or a listing change is marked in the transaction that queues it.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { buildDigest } from './build-digest.js';
import { enqueueListingChangeAlerts } from './enqueue-listing-changes.js';
import { enqueueMessage } from './enqueue-message.js';
import type { NotifyConfig, Recipient } from './notify-config.js';
import { renderTemplate } from './render-template.js';

export interface CollectReport {
  digests: number;
  siteAlerts: number;
  /** Discovery runs (or reviewed groups) whose listing changes went to ops. */
  listingChanges: number;
}

/** Local date and HH:MM of `now` in a time zone. */
export function localClock(now: Date, timeZone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

export function digestKey(r: Recipient, localDate: string): string {
  return `digest:${r.email.toLowerCase()}:${localDate}`;
}

export async function enqueueDueDigests(db: Kysely<Database>, cfg: NotifyConfig, now: Date): Promise<number> {
  let queued = 0;
  for (const r of cfg.recipients.filter((x) => x.digest)) {
    const clock = localClock(now, r.time_zone);
    if (clock.time < r.digest_at) continue;
    const key = digestKey(r, clock.date);
    if (await db.selectFrom('outbox').select('id').where('idempotency_key', '=', key).executeTakeFirst()) continue;
    const d = await buildDigest(db, r, cfg, now);
    // An empty day is still a digest: "nothing to do" is news a pricing manager can rely on.
    const { created } = await enqueueMessage(
      db,
      {
        kind: 'digest',
        key,
        to: r.email,
        subject: d.subject,
        text: d.text,
        html: d.html,
        attachments: d.attachments,
        dueAt: now,
      },
      cfg.from,
    );
    if (created) queued++;
  }
  return queued;
}

/** What ops should do about each kind of site alert (site-health-state.ts defines the states). */
const WHAT_TO_DO: Record<string, string> = {
  needs_attention:
    "The site's extraction is broken: its violations open no new cases until reads are good again. Check it with `mapwatch sites check` and `mapwatch extract URL --site crawlers/<site>.yaml`.",
  blocked:
    'Every recent read of this site was refused (403/429, captcha or bot wall): no prices are being read. Check `mapwatch sites health`, the crawl rate and user agent in its site config, or ask the reseller to allow the crawler.',
  recovered: 'Reads of this site get prices again; nothing to do.',
};

export async function enqueueSiteAlerts(db: Kysely<Database>, cfg: NotifyConfig): Promise<number> {
  const exists = await sql<{ t: string | null }>`select to_regclass('site_alerts')::text as t`.execute(db);
  if (!exists.rows[0]?.t || !cfg.ops.length) return 0;
  return db.transaction().execute(async (trx) => {
    const rows = await sql<{ id: number; kind: string; at: Date; detail: unknown; site: string; domain: string }>`
      select a.id, a.kind, a.at, a.detail, s.name as site, s.domain
      from site_alerts a join sites s on s.id = a.site_id
      where a.notified_at is null order by a.id limit 200 for update of a skip locked`.execute(trx);
    for (const a of rows.rows) {
      const detail = typeof a.detail === 'string' ? a.detail : JSON.stringify(a.detail);
      const m = renderTemplate(
        'site-alert.txt',
        {
          site_name: a.site,
          site_domain: a.domain,
          alert_kind: a.kind.replace(/_/g, ' '),
          what_to_do: WHAT_TO_DO[a.kind] ?? '',
          at: new Date(a.at).toISOString(),
          detail,
        },
        cfg.templatesDir,
      );
      for (const to of cfg.ops) {
        await enqueueMessage(
          trx,
          {
            kind: 'site_alert',
            key: `site-alert:${a.id}:${to.toLowerCase()}`,
            to,
            subject: m.subject,
            text: m.text,
            html: m.html,
          },
          cfg.from,
        );
      }
      await sql`update site_alerts set notified_at = now() where id = ${a.id}`.execute(trx);
    }
    return rows.rows.length;
  });
}

export async function collectNotifications(db: Kysely<Database>, cfg: NotifyConfig, now: Date): Promise<CollectReport> {
  return {
    digests: await enqueueDueDigests(db, cfg, now),
    siteAlerts: await enqueueSiteAlerts(db, cfg),
    listingChanges: (await enqueueListingChangeAlerts(db, cfg)).groups.length,
  };
}
