/**
 * `mapwatch report weekly`: last week's KPI report per recipient (HTML and text parts, a CSV
 * by reseller with the change on the week before). Without --send it prints what each
 * recipient would get; with --send it queues the reports in the outbox (once per recipient
 * per week) and sends the outbox. The scheduler queues the same reports every Monday.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import type { Env } from '../../config/env.js';
import type { Database } from '../../db/tables.js';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { buildWeeklyReport, reportWeek } from '../../notify/build-weekly-report.js';
import { enqueueWeeklyReports } from '../../notify/enqueue-weekly-reports.js';
import { createMailTransport } from '../../notify/mail-transport.js';
import { loadNotifyConfig, type NotifyConfig, type Recipient, recipientSchema } from '../../notify/notify-config.js';
import { sendPendingNotifications } from '../../notify/send-pending.js';
import { rollUpDue } from '../../kpis/roll-up-due.js';
import { redactUrl } from '../../redact-url.js';
import { json, safeText } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';

interface WeeklyOpts {
  week?: string;
  to?: string;
  send?: boolean;
  html?: string;
  csv?: string;
  json?: boolean;
}

export function registerReportCommands(program: Command, env: EnvLoader): void {
  const report = program.command('report').description('scheduled reports');
  report
    .command('weekly')
    .description("last week's KPIs by reseller per recipient, with a CSV; --send queues and sends them")
    .option('--week <date>', 'report the Monday–Sunday week holding this day (YYYY-MM-DD; default last week)', (v) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
        throw new UserError(`--week: must be a date as YYYY-MM-DD, got "${v}"`);
      return v;
    })
    .option('--to <address>', 'only this recipient (from the config, else one who follows everything)')
    .option('--send', 'queue the reports in the outbox (once per recipient and week) and send the outbox now')
    .option('--html <file>', 'without --send, with --to: write the HTML part to this file')
    .option('--csv <file>', 'without --send, with --to: write the CSV attachment to this file')
    .option('--json', 'print as JSON')
    .action(async (opts: WeeklyOpts) => {
      if ((opts.html || opts.csv) && (opts.send || !opts.to))
        throw new UserError('--html/--csv: only when previewing one recipient (--to ADDRESS, without --send)');
      const e = env();
      const tz = e.MAPWATCH_REPORT_TIME_ZONE;
      const cfg = loadNotifyConfig();
      let recipients = cfg.recipients.filter((r) => r.weekly_report);
      if (opts.to) {
        if (!z.email().safeParse(opts.to).success) throw new UserError(`--to: "${opts.to}" is not an email address`);
        recipients = [
          cfg.recipients.find((r) => r.email.toLowerCase() === opts.to!.toLowerCase()) ??
            recipientSchema.parse({ email: opts.to }),
        ];
      }
      if (!recipients.length)
        throw new UserError(
          'no recipient wants the weekly report: add one under notify.recipients, or use --to ADDRESS',
        );
      await withDb(e, async ({ db }) => {
        if (opts.send) return send(db, { cfg, tz, recipients, opts, e });
        const week = reportWeek({ now: new Date(), timeZone: tz, week: opts.week });
        await rollUpDue(db, { timeZone: tz });
        const out = [];
        for (const recipient of recipients) {
          const r = await buildWeeklyReport(db, { recipient, cfg, week, timeZone: tz });
          out.push({ to: recipient.email, subject: r.subject, text: r.text, csv: r.csv });
          if (opts.html) fs.writeFileSync(opts.html, r.html);
          if (opts.csv) fs.writeFileSync(opts.csv, r.csv);
        }
        if (opts.json) return console.log(json({ week, timeZone: tz, reports: out }));
        for (const r of out) console.log(`To: ${safeText(r.to, 80)}\nSubject: ${r.subject}\n\n${r.text}\n`);
        if (opts.html) console.log(`Wrote the HTML part to ${opts.html}`);
        if (opts.csv) console.log(`Wrote the CSV attachment to ${opts.csv}`);
        console.log('Nothing was queued. Queue and send with --send.');
      });
    });
}

async function send(
  db: Kysely<Database>,
  o: { cfg: NotifyConfig; tz: string; recipients: Recipient[]; opts: WeeklyOpts; e: Env },
): Promise<void> {
  const r = await enqueueWeeklyReports(db, o.cfg, {
    timeZone: o.tz,
    week: o.opts.week,
    recipients: o.recipients,
    dueNow: true,
  });
  const transport = createMailTransport({ smtpUrl: o.e.MAPWATCH_SMTP_URL, dataDir: o.e.dataDir });
  try {
    const sent = await sendPendingNotifications(db, { transport, config: o.cfg });
    if (o.opts.json) return console.log(json({ ...r, send: sent }));
    console.log(
      `Week ${r.week.from} to ${r.week.to} (${o.tz}): queued ${r.queued.length} report(s)` +
        (r.existing.length ? `, ${r.existing.length} already in the outbox` : '') +
        `. Sent ${sent.sent} message(s) ${transport.kind === 'file' ? `as .eml files in ${transport.where}` : `through ${transport.where}`}.`,
    );
    for (const err of sent.errors)
      process.stderr.write(`mapwatch: outbox ${err.id} to ${err.to}: ${redactUrl(err.error)}\n`);
    if (sent.failed || sent.unconfirmed) process.exitCode = 1;
  } finally {
    transport.close();
  }
}
