/** `mapwatch outbox`, `mapwatch digest`: the notification side of mapwatch. */
import fs from 'node:fs';
import os from 'node:os';
import { type Command, Option } from 'commander';
import { type Role, ROLES } from '../../cases/actor.js';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { buildDigest } from '../../notify/build-digest.js';
import { digestKey, enqueueDueDigests, localClock } from '../../notify/collect-notifications.js';
import { enqueueMessage } from '../../notify/enqueue-message.js';
import { listOutbox } from '../../queries/list-outbox.js';
import { createMailTransport } from '../../notify/mail-transport.js';
import { loadNotifyConfig, type Recipient, recipientSchema } from '../../notify/notify-config.js';
import { retryOutbox } from '../../notify/retry-outbox.js';
import { sendPendingNotifications } from '../../notify/send-pending.js';
import { json, safeText, table } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';
import { redactUrl } from '../../redact-url.js';

export function registerNotifyCommands(program: Command, env: EnvLoader): void {
  program
    .command('outbox')
    .description('list queued, sent and failed notifications; retry or send them')
    .option('--failed', 'only failed and unconfirmed messages, with their errors')
    .option('--retry <id>', 'queue a failed or unconfirmed message again (same Message-ID)', (v) => outboxId(v))
    .option('--send', 'send every due message now (also queues due digests and site alerts)')
    .option('--by <name>', 'who retries (recorded on the case)', os.userInfo().username)
    .addOption(
      new Option('--role <role>', 'the role you act in (recorded in the audit log)').choices(ROLES).default('ops'),
    )
    .option('--json', 'print as JSON')
    .action(
      async (opts: { failed?: boolean; retry?: number; send?: boolean; json?: boolean; by: string; role: Role }) => {
        const e = env();
        const cfg = loadNotifyConfig();
        await withDb(e, async ({ db }) => {
          if (opts.retry !== undefined) {
            await retryOutbox(db, opts.retry, { actor: { who: opts.by, role: opts.role } });
            console.log(`Message ${opts.retry} is queued again.`);
          }
          if (opts.send) {
            const transport = createMailTransport({
              smtpUrl: e.MAPWATCH_SMTP_URL,
              dataDir: e.dataDir,
            });
            // Chromium renders the notice letters; launched only if a notice with one is due.
            const browser = await optionalBrowser();
            try {
              const r = await sendPendingNotifications(db, { transport, config: { ...cfg, browser } });
              if (opts.json) console.log(json(r));
              else {
                const where =
                  transport.kind === 'file'
                    ? `as .eml files in ${transport.where} (no MAPWATCH_SMTP_URL set)`
                    : `through ${transport.where}`;
                console.log(
                  `Sent ${r.sent} message(s) ${where}. ${r.retrying} will be retried, ${r.failed} failed, ${r.unconfirmed} unconfirmed.`,
                );
              }
              for (const err of r.errors)
                process.stderr.write(`mapwatch: outbox ${err.id} to ${err.to}: ${redactUrl(err.error)}\n`);
              if (r.failed || r.unconfirmed) process.exitCode = 1;
            } finally {
              transport.close();
              await browser?.close();
            }
            return;
          }
          if (opts.retry !== undefined) return;
          const rows = await listOutbox(db, { failed: opts.failed });
          if (opts.json) return console.log(json(rows));
          if (!rows.length) return console.log(opts.failed ? 'No failed messages.' : 'The outbox is empty.');
          console.log(
            table(
              ['id', 'kind', 'status', 'to', 'case', 'tries', 'subject', opts.failed ? 'error' : 'when (UTC)'],
              rows.map((r) => [
                String(r.id),
                r.kind,
                r.status,
                safeText(r.to, 40),
                r.caseId ? `#${r.caseId}` : '',
                String(r.attempts),
                safeText(r.subject, 60),
                opts.failed
                  ? safeText(r.lastError, 200)
                  : (r.sentAt ?? r.nextAttemptAt).toISOString().slice(0, 16).replace('T', ' '),
              ]),
            ),
          );
        });
      },
    );

  program
    .command('digest')
    .description('queue the daily digests that are due; or build one digest for an address')
    .option('--to <address>', 'the digest of this recipient (from the config, else one who follows everything)')
    .option('--dry-run', 'print the digest instead of queueing it')
    .option('--html <file>', 'with --dry-run: also write the HTML part to this file')
    .action(async (opts: { to?: string; dryRun?: boolean; html?: string }) => {
      const cfg = loadNotifyConfig();
      if (opts.html && !opts.dryRun) throw new UserError('--html: only with --dry-run');
      let recipient: Recipient | undefined;
      if (opts.to) {
        if (!z.email().safeParse(opts.to).success) throw new UserError(`--to: "${opts.to}" is not an email address`);
        recipient =
          cfg.recipients.find((r) => r.email.toLowerCase() === opts.to!.toLowerCase()) ??
          recipientSchema.parse({ email: opts.to });
      } else if (opts.dryRun) throw new UserError('--dry-run: say whose digest with --to ADDRESS');
      await withDb(env(), async ({ db }) => {
        const now = new Date();
        if (!recipient) {
          const n = await enqueueDueDigests(db, cfg, now);
          console.log(`Queued ${n} digest(s) that were due. Send with \`mapwatch outbox --send\`.`);
          return;
        }
        const d = await buildDigest(db, recipient, cfg, now);
        if (opts.dryRun) {
          console.log(`Subject: ${d.subject}\nTo: ${recipient.email}\n\n${d.text}`);
          if (opts.html) {
            fs.writeFileSync(opts.html, d.html);
            console.log(`\nWrote the HTML part to ${opts.html}`);
          }
          return;
        }
        const key = digestKey(recipient, localClock(now, recipient.time_zone).date);
        const r = await enqueueMessage(
          db,
          {
            kind: 'digest',
            key,
            to: recipient.email,
            subject: d.subject,
            text: d.text,
            html: d.html,
            attachments: d.attachments,
          },
          cfg.from,
        );
        console.log(
          r.created
            ? `Queued today's digest for ${recipient.email} (outbox ${r.id}).`
            : `Today's digest for ${recipient.email} is already in the outbox (${r.id}).`,
        );
      });
    });
}

function outboxId(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--retry: must be an outbox message id, got "${v}"`);
  return n;
}

/** A browser pool when a Chromium is installed; without one, a notice with a letter fails with the reason. */
async function optionalBrowser() {
  const { BrowserPool } = await import('../../fetch/browser/browser-pool.js');
  try {
    return new BrowserPool();
  } catch {
    return undefined;
  }
}
