/**
 * Notifications: a transactional outbox (one row per email, written in the transaction of
 * the change that causes it) and reseller notices (the escalation ladder).
 * This file must not import app code: migrations are frozen once shipped.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('alert', 'digest', 'notice', 'site_alert')`))
    // The idempotency key names the logical notification; enqueueing it twice is a no-op.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    // Derived from the key and fixed at insert, so every attempt carries the same Message-ID.
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('case_id', 'integer', (c) => c.references('cases.id'))
    .addColumn('reseller_id', 'integer', (c) => c.references('resellers.id'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    .addColumn('attachments', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // pending → sending → sent; or failed (permanent / out of retries), or unconfirmed
    // (the sender died after handing the message over: held for a person, never resent blindly).
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status in ('pending', 'sending', 'sent', 'failed', 'unconfirmed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempt_started_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('transport_response', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('outbox_case').on('outbox').columns(['case_id']).execute();

  await db.schema
    .createTable('notices')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('case_id', 'integer', (c) => c.notNull().references('cases.id'))
    .addColumn('reseller_id', 'integer', (c) => c.notNull().references('resellers.id'))
    .addColumn('step', 'integer', (c) => c.check(sql`step is null or step between 1 and 3`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('proposed', 'approved', 'sent', 'blocked', 'failed', 'cancelled')`),
    )
    .addColumn('reason', 'text')
    .addColumn('not_before', 'timestamptz')
    .addColumn('outbox_id', 'bigint', (c) => c.references('outbox.id'))
    .addColumn('proposed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('approved_at', 'timestamptz')
    .addColumn('approved_by', 'text')
    .addColumn('sent_at', 'timestamptz')
    .execute();
  // One live notice per case: a second proposal for the same case is a no-op.
  await sql`create unique index notices_one_live_per_case on notices (case_id) where status in ('proposed', 'approved')`.execute(db);
  await db.schema.createIndex('notices_reseller').on('notices').columns(['reseller_id', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notices').ifExists().execute();
  await db.schema.dropTable('outbox').ifExists().execute();
}
