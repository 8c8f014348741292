/**
 * The transactional outbox against an SMTP server running in this process: alerts for new
 * cases, content and escaping, refusals, idempotent re-runs, and exactly one message per
 * notification when the sender is SIGKILLed between send and mark.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/db/connect.js';
import { createMailTransport } from '../src/notify/mail-transport.js';
import { notifySchema, type NotifyConfig } from '../src/notify/notify-config.js';
import { retryOutbox } from '../src/notify/retry-outbox.js';
import { sendPendingNotifications } from '../src/notify/send-pending.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';
import { type Catalog, observe, partsOf, seedCatalog, startSmtp, type TestSmtp } from './notify-fixtures.js';

const OPS = { who: 'olaf', role: 'ops' } as const;

const XSS = 'Headphones <script>alert("x")</script><img src=x onerror=alert(1)>';
const T0 = new Date('2026-11-20T10:00:00Z');

describe.each(BACKENDS)('notification outbox on %s', (backend) => {
  let h: DbHandle;
  let smtp: TestSmtp;
  let cat: Catalog;
  const cfg: NotifyConfig = notifySchema.parse({
    from: 'mapwatch <alerts@brand.example>',
    alerts: { min_severity: 'medium' },
    recipients: [
      { email: 'anna@brand.example', name: 'Anna' },
      { email: 'eu-only@brand.example', regions: ['DE'] },
      { email: 'no-alerts@brand.example', alerts: false },
    ],
  });
  const send = (extra: Partial<Parameters<typeof sendPendingNotifications>[1]> = {}) =>
    sendPendingNotifications(h.db, {
      transport: createMailTransport({ smtpUrl: smtp.url, dataDir: '/nonexistent' }),
      config: cfg,
      collect: false,
      ...extra,
    });

  beforeAll(async () => {
    h = await openTestDb(backend);
    smtp = await startSmtp();
    cat = await seedCatalog(
      h.db,
      [
        { name: 'Sound Depot', region: 'US', tier: 'gold', email: 'pricing@sounddepot.example' },
        { name: 'Crash Shop', region: 'US', email: 'x@crash.example' },
      ],
      [
        { sku: 'HP-1', name: 'Northwind HP-1' },
        { sku: 'HP-2', name: 'Northwind HP-2' },
        { sku: 'HP-3', name: 'Northwind HP-3' },
      ],
    );
  });
  afterAll(async () => {
    await smtp?.close();
    await h?.close();
  });

  it('alerts the interested managers once for a new case at or above the threshold, with page text escaped', async () => {
    await observe(h.db, cat, 'Sound Depot/HP-1', 8000, T0, cfg, XSS); // 20 % below: high
    await observe(h.db, cat, 'Sound Depot/HP-2', 9800, T0, cfg); // 2 % below: low, under the threshold
    const rows = await h.db.selectFrom('outbox').selectAll().where('kind', '=', 'alert').execute();
    expect(rows.map((r) => r.recipient)).toEqual(['anna@brand.example']);

    const r = await send();
    expect(r).toMatchObject({ sent: 1, failed: 0, retrying: 0 });
    expect(smtp.messages).toHaveLength(1);
    const m = smtp.messages[0]!;
    expect(m.to).toEqual(['anna@brand.example']);
    expect(m.header('Message-ID')).toBe(rows[0]!.message_id);
    expect(m.header('X-Mapwatch-Idempotency-Key')).toBe(rows[0]!.idempotency_key);
    expect(m.header('Subject')).toContain('New high case');
    const parts = partsOf(m.raw);
    const text = parts.find((p) => p.type === 'text/plain')!.body;
    const html = parts.find((p) => p.type === 'text/html')!.body;
    expect(text).toContain('Northwind HP-1 (HP-1)');
    expect(text).toContain('USD 100.00');
    expect(text).toContain('USD 80.00 (20% below MAP)');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');

    // Re-sending and re-observing never produce a second alert for the same case and severity.
    await observe(h.db, cat, 'Sound Depot/HP-1', 7900, new Date(T0.getTime() + 3_600_000), cfg, XSS);
    expect(await send()).toMatchObject({ sent: 0 });
    expect(smtp.messages).toHaveLength(1);
    const sent = await h.db
      .selectFrom('outbox')
      .select(['status', 'sent_at', 'attempts'])
      .where('id', '=', rows[0]!.id)
      .executeTakeFirstOrThrow();
    expect(sent).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('keeps a refused message with its error: 4xx retries with backoff, 5xx fails at once and is noted on the case', async () => {
    await observe(h.db, cat, 'Sound Depot/HP-3', 8500, T0, cfg); // 15 %: high
    const row = await h.db
      .selectFrom('outbox')
      .selectAll()
      .where('case_id', 'is not', null)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();

    smtp.refuse = [451, 'try again later'];
    const now = new Date();
    const r1 = await send({ now: () => now });
    expect(r1).toMatchObject({ sent: 0, retrying: 1 });
    let after = await h.db.selectFrom('outbox').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('pending');
    expect(after.last_error).toMatch(/SMTP server refused \(451\)/);
    expect(after.next_attempt_at.getTime()).toBe(now.getTime() + 30_000);
    expect(await send({ now: () => now })).toMatchObject({ sent: 0, retrying: 0 }); // not due yet

    smtp.refuse = [550, 'mailbox unavailable'];
    const later = new Date(now.getTime() + 31_000);
    const r2 = await send({ now: () => later });
    expect(r2).toMatchObject({ failed: 1 });
    after = await h.db.selectFrom('outbox').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'failed', attempts: 2 });
    expect(after.last_error).toMatch(/550.*mailbox unavailable/);
    const notes = await h.db
      .selectFrom('case_events')
      .select('detail')
      .where('case_id', '=', row.case_id!)
      .where('kind', '=', 'note')
      .execute();
    expect(JSON.stringify(notes)).toMatch(/550/);
    expect(smtp.messages.filter((m) => m.header('Message-ID') === row.message_id)).toHaveLength(0);

    // --retry queues it again under the same Message-ID; now the server accepts it.
    smtp.refuse = null;
    await retryOutbox(h.db, row.id, { actor: OPS });
    expect(await send()).toMatchObject({ sent: 1 });
    expect(smtp.messages.filter((m) => m.header('Message-ID') === row.message_id)).toHaveLength(1);
    await expect(retryOutbox(h.db, row.id, { actor: OPS })).rejects.toThrow(/is sent; only failed or unconfirmed/);
  });

  it('sends exactly one message when the SMTP sender is SIGKILLed between send and mark', async () => {
    const { db } = h;
    await db.updateTable('outbox').set({ status: 'sent' }).where('status', '=', 'pending').execute();
    await observe(db, cat, 'Crash Shop/HP-1', 7000, T0, cfg);
    const row = await db.selectFrom('outbox').selectAll().where('status', '=', 'pending').executeTakeFirstOrThrow();
    const child = await runChild({ NOTIFY_SMTP: smtp.url });
    expect(child.signal).toBe('SIGKILL');
    expect(smtp.messages.filter((m) => m.header('Message-ID') === row.message_id)).toHaveLength(1);
    expect(
      (await db.selectFrom('outbox').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status,
    ).toBe('sending');

    // A run inside the lease leaves it alone (the sender might still be alive).
    expect(await send()).toMatchObject({ sent: 0, unconfirmed: 0 });
    // After the lease, SMTP cannot say whether it was delivered: held as unconfirmed, not resent.
    const r = await send({ leaseMs: 0 });
    expect(r).toMatchObject({ sent: 0, unconfirmed: 1 });
    expect(smtp.messages.filter((m) => m.header('Message-ID') === row.message_id)).toHaveLength(1);
    const held = await db.selectFrom('outbox').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(held.status).toBe('unconfirmed');
    expect(held.last_error).toMatch(/not resent automatically.*retry message \d+/);
    expect(await send({ leaseMs: 0 })).toMatchObject({ sent: 0, unconfirmed: 0 });
    expect(smtp.messages.filter((m) => m.header('Message-ID') === row.message_id)).toHaveLength(1);
  });

  it('with the .eml outbox, a crash between write and mark is confirmed on restart: exactly one file, marked sent', async () => {
    const { db } = h;
    const dir = tmpDir();
    await observe(db, cat, 'Crash Shop/HP-2', 7000, T0, cfg);
    const row = await db.selectFrom('outbox').selectAll().where('status', '=', 'pending').executeTakeFirstOrThrow();
    expect((await runChild({ NOTIFY_DIR: dir })).signal).toBe('SIGKILL');
    const files = () => fs.readdirSync(path.join(dir, 'outbox'));
    expect(files()).toHaveLength(1);
    const r = await sendPendingNotifications(db, {
      transport: createMailTransport({ dataDir: dir }),
      config: cfg,
      collect: false,
      leaseMs: 0,
    });
    expect(r).toMatchObject({ recovered: 1, sent: 0 });
    expect(files()).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, 'outbox', files()[0]!), 'utf8')).toContain(`Message-ID: ${row.message_id}`);
    expect(
      (await db.selectFrom('outbox').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status,
    ).toBe('sent');
  });

  /** The sender in its own process; async, because the SMTP server and PGlite's socket live in this one. */
  function runChild(
    env: Record<string, string>,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'notify-crash-child.ts')],
      {
        env: { ...process.env, NOTIFY_PG: JSON.stringify(h.pgConfig), ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  }
});
