/**
 * THE single place where the notifier (issue 5) plugs into the queue workers:
 * `notifyOnCaseChange` becomes the workers' `onCaseChange` hook (it writes outbox rows
 * inside the observation's transaction) and `sendPendingNotifications` is what the
 * notify job runs. Loaded lazily so a worker without a notify config still crawls.
 */
import type { Kysely } from 'kysely';
import type { Env } from '../config/env.js';
import type { Database } from '../db/tables.js';
import type { WorkerDeps } from './worker-deps.js';

export async function loadNotifyHooks(
  db: Kysely<Database>,
  env: Env,
): Promise<Pick<WorkerDeps, 'onCaseChange' | 'sendNotifications'>> {
  const [{ notifyOnCaseChange }, { sendPendingNotifications }, { loadNotifyConfig }, { createMailTransport }] =
    await Promise.all([
      import('../notify/on-case-change.js'),
      import('../notify/send-pending.js'),
      import('../notify/notify-config.js'),
      import('../notify/mail-transport.js'),
    ]);
  let sendOpts: Parameters<typeof sendPendingNotifications>[1] | undefined;
  return {
    onCaseChange: notifyOnCaseChange,
    sendNotifications: async () => {
      sendOpts ??= {
        config: loadNotifyConfig(),
        transport: createMailTransport({ smtpUrl: process.env.MAPWATCH_SMTP_URL || undefined, dataDir: env.dataDir }),
      };
      return sendPendingNotifications(db, sendOpts);
    },
  };
}
