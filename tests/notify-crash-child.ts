/**
 * A sender process the crash test kills: it sends the outbox through the given transport
 * and SIGKILLs itself right after the transport accepted the first message, before the
 * row can be marked sent. Run with NOTIFY_PG (pg config JSON), NOTIFY_SMTP or NOTIFY_DIR.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../src/db/tables.js';
import { createMailTransport } from '../src/notify/mail-transport.js';
import { defaultNotifyConfig } from '../src/notify/notify-config.js';
import { sendPendingNotifications } from '../src/notify/send-pending.js';

const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool: new pg.Pool(JSON.parse(process.env.NOTIFY_PG!)) }),
});
const transport = createMailTransport({
  smtpUrl: process.env.NOTIFY_SMTP || undefined,
  dataDir: process.env.NOTIFY_DIR ?? '/nonexistent',
});
await sendPendingNotifications(db, {
  transport,
  config: defaultNotifyConfig(),
  collect: false,
  afterSend: () => {
    process.kill(process.pid, 'SIGKILL');
  },
});
// Only reached if nothing was due.
process.exit(3);
