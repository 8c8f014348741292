/**
 * Puts last week's KPI report into the outbox for every recipient who wants it: once per
 * recipient per week (the key is address + the week's Monday), due on the Monday after the
 * week at the recipient's `digest_at` in their own time zone. The rollup is brought up to
 * date first, so reads that arrived late for the week are counted.
 */
import type { Kysely } from 'kysely';
import { zonedWallTimeToInstant } from '../compare/zoned-time.js';
import type { Database } from '../db/tables.js';
import { rollUpDue } from '../kpis/roll-up-due.js';
import { buildWeeklyReport, type ReportWeek, reportWeek } from './build-weekly-report.js';
import { enqueueMessage } from './enqueue-message.js';
import type { NotifyConfig, Recipient } from './notify-config.js';

export interface WeeklyReportsResult {
  week: ReportWeek;
  queued: { email: string; outboxId: number }[];
  /** Already in the outbox for this week: left as they are. */
  existing: { email: string; outboxId: number }[];
}

export const weeklyReportKey = (r: Recipient, week: ReportWeek): string =>
  `weekly-report:${r.email.toLowerCase()}:${week.from}`;

export async function enqueueWeeklyReports(
  db: Kysely<Database>,
  cfg: NotifyConfig,
  o: {
    timeZone: string;
    now?: Date;
    week?: string;
    recipients?: Recipient[];
    /** Due at once (`mapwatch report weekly --send`), not at the recipient's Monday `digest_at`. */
    dueNow?: boolean;
  },
): Promise<WeeklyReportsResult> {
  const now = o.now ?? new Date();
  const week = reportWeek({ now, timeZone: o.timeZone, week: o.week });
  await rollUpDue(db, { timeZone: o.timeZone, now });
  const result: WeeklyReportsResult = { week, queued: [], existing: [] };
  for (const r of o.recipients ?? cfg.recipients.filter((x) => x.weekly_report)) {
    const key = weeklyReportKey(r, week);
    const have = await db.selectFrom('outbox').select('id').where('idempotency_key', '=', key).executeTakeFirst();
    if (have) {
      result.existing.push({ email: r.email, outboxId: have.id });
      continue;
    }
    const report = await buildWeeklyReport(db, { recipient: r, cfg, week, timeZone: o.timeZone });
    const monday = new Date(Date.parse(`${week.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const due = o.dueNow ? now : zonedWallTimeToInstant(`${monday}T${r.digest_at}`, r.time_zone);
    const { id, created } = await enqueueMessage(
      db,
      {
        kind: 'weekly_report',
        key,
        to: r.email,
        subject: report.subject,
        text: report.text,
        html: report.html,
        attachments: [
          { type: 'file', filename: report.filename, contentType: 'text/csv; charset=utf-8', content: report.csv },
        ],
        dueAt: due,
      },
      cfg.from,
    );
    (created ? result.queued : result.existing).push({ email: r.email, outboxId: id });
  }
  return result;
}
