/**
 * The `onCaseChange` hook of the pipeline: it runs inside the observation's transaction,
 * so each outbox row it writes commits with the case change that caused it, or not at all.
 *
 * - opened (or escalated) at or above `alerts.min_severity`: one alert per interested
 *   pricing manager (idempotency key per case, severity and address);
 * - opened, or still violating after a notice and its cool-down: the next ladder step is
 *   proposed (or sent, with auto_send);
 * - resolved: a notice still waiting for approval is cancelled.
 *
 * A problem of ours (a broken template) never rolls the observation back: the alert is
 * recorded as failed with the error, and noted on the case.
 *
 * The composition root (src/app/open-app.ts) makes it with `makeNotifyOnCaseChange(config, severityOrder)`.
 */
import type { Transaction } from 'kysely';
import { proposeNotice } from './propose-notice.js';
import type { Database } from '../db/tables.js';
import { UserError } from '../errors.js';
import type { CaseChange, OnCaseChange } from '../cases/record-observation.js';
import { loadCaseFacts, mergeFields } from '../cases/load-case-facts.js';
import { enqueueMessage, noteOnCase } from './enqueue-message.js';
import { checkSeverity, type NotifyConfig } from './notify-config.js';
import { recipientWants } from './recipients.js';
import { renderTemplate } from './render-template.js';

type Hook = OnCaseChange;

export function makeNotifyOnCaseChange(
  cfg: NotifyConfig,
  severityOrder: readonly string[],
  clock: () => Date = () => new Date(),
): Hook {
  checkSeverity(cfg, severityOrder);
  const threshold = severityOrder.indexOf(cfg.alerts.min_severity);
  return async (trx: Transaction<Database>, change: CaseChange) => {
    const { outcome } = change;
    if (outcome.action === 'resolved') {
      await trx
        .updateTable('notices')
        .set({ status: 'cancelled', reason: 'case resolved' })
        .where('case_id', '=', outcome.caseId)
        .where('status', '=', 'proposed')
        .execute();
      return;
    }
    if (outcome.action !== 'opened' && outcome.action !== 'updated') return;
    const now = clock();
    const [facts] = await loadCaseFacts(trx, [outcome.caseId]);
    if (!facts) return;

    const escalated =
      outcome.action === 'updated' &&
      (await trx
        .selectFrom('case_events')
        .select('id')
        .where('case_id', '=', outcome.caseId)
        .where('observation_id', '=', change.observationId)
        .where('kind', '=', 'severity_changed')
        .executeTakeFirst()) !== undefined;
    if ((outcome.action === 'opened' || escalated) && severityOrder.indexOf(facts.severity) >= threshold) {
      for (const r of cfg.recipients.filter((x) => x.alerts && recipientWants(x, facts))) {
        const key = `alert:case-${facts.caseId}:${facts.severity}:${r.email.toLowerCase()}`;
        try {
          const m = renderTemplate(
            'alert.txt',
            mergeFields(facts, now, { company: cfg.company, recipient_name: r.name ?? r.email }),
            cfg.templatesDir,
          );
          await enqueueMessage(
            trx,
            {
              kind: 'alert',
              key,
              to: r.email,
              subject: m.subject,
              text: m.text,
              html: m.html,
              caseId: facts.caseId,
              resellerId: facts.resellerId,
            },
            cfg.from,
          );
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          const error = err.message;
          await enqueueMessage(
            trx,
            {
              kind: 'alert',
              key,
              to: r.email,
              subject: `[mapwatch] case #${facts.caseId} (alert could not be rendered)`,
              text: '',
              caseId: facts.caseId,
              failed: error,
            },
            cfg.from,
          );
          await noteOnCase(trx, facts.caseId, { alert: 'not sent', to: r.email, error });
        }
      }
    }
    await proposeNotice(trx, facts.caseId, cfg, now);
  };
}
