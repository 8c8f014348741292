/**
 * Reseller notices: approval before sending, the three-step ladder with its cool-down,
 * reset after N clean days, the jurisdiction guard, and the errors a person must fix
 * (no valid reseller email, unknown merge field), each noted on the case.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveNotice } from '../src/notify/approve-notice.js';
import { dismissCase } from '../src/cases/dismiss-case.js';
import { resellerViolationLevel } from '../src/cases/violation-level.js';
import type { DbHandle } from '../src/db/connect.js';
import { createMailTransport } from '../src/notify/mail-transport.js';
import { loadNotifyConfig, notifySchema, type NotifyConfig } from '../src/notify/notify-config.js';
import { sendPendingNotifications } from '../src/notify/send-pending.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { tmpDir } from './support/tmp.js';
import { type Catalog, observe, partsOf, seedCatalog, startSmtp, type TestSmtp } from './notify-fixtures.js';

const MARIA = { who: 'maria', role: 'compliance' } as const;

const DAY = 86_400_000;
const T0 = new Date('2026-03-02T09:00:00Z');
const day = (n: number) => new Date(T0.getTime() + n * DAY);

describe.each(BACKENDS)('notice ladder on %s', (backend) => {
  let h: DbHandle;
  let smtp: TestSmtp;
  let cat: Catalog;
  const cfg: NotifyConfig = notifySchema.parse({
    company: 'Northwind Audio',
    reply_to: 'map@northwind.example',
    notices: { cooldown_days: 7, reset_after_days_clean: 30, blocked_regions: ['EEA'] },
  });
  const send = (at: Date) =>
    sendPendingNotifications(h.db, {
      transport: createMailTransport({ smtpUrl: smtp.url, dataDir: '/nonexistent' }),
      config: cfg,
      collect: false,
      now: () => at,
    });
  const caseOf = async (key: string) =>
    await h.db
      .selectFrom('cases')
      .select(['id', 'status'])
      .where('listing_id', '=', cat.listing(key))
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
  const noticesTo = (to: string) => smtp.messages.filter((m) => m.to.includes(to));

  beforeAll(async () => {
    h = await openTestDb(backend);
    smtp = await startSmtp();
    cat = await seedCatalog(
      h.db,
      [
        { name: 'Sound Depot', region: 'US', email: 'pricing@sounddepot.example' },
        { name: 'EuroKlang GmbH', region: 'DE', email: 'preise@euroklang.example' },
        { name: 'BadMail', region: 'US', email: 'not-an-email' },
      ],
      [
        { sku: 'HP-1', name: 'Northwind HP-1' },
        { sku: 'HP-2', name: 'Northwind HP-2' },
      ],
    );
  });
  afterAll(async () => {
    await smtp?.close();
    await h?.close();
  });

  it('climbs the ladder only with approval, one step per cool-down, and resets after N clean days', async () => {
    const to = 'pricing@sounddepot.example';
    await observe(h.db, cat, 'Sound Depot/HP-1', 8000, day(0), cfg);
    const c1 = await caseOf('Sound Depot/HP-1');
    // Proposed, not sent: a person approves each step.
    expect(await send(day(0))).toMatchObject({ sent: 0 });
    const a1 = await approveNotice(h.db, c1.id, cfg, { actor: MARIA, now: day(0) });
    expect(a1).toMatchObject({ ok: true, step: 1, to });
    expect(await send(day(0))).toMatchObject({ sent: 1 });
    expect(noticesTo(to)).toHaveLength(1);
    const first = noticesTo(to)[0]!;
    expect(first.header('Subject')).toBe('Minimum advertised price notice for Northwind HP-1 (HP-1)');
    expect(first.header('Reply-To')).toBe('map@northwind.example');
    const text = partsOf(first.raw).find((p) => p.type === 'text/plain')!.body;
    expect(text).toContain('Dear Sound Depot,');
    expect(text).toContain(
      `USD 80.00, which is 20% below the minimum advertised price of USD 100.00 under Northwind Audio's MAP policy`,
    );
    expect(text).toContain(`reference MAP-${c1.id}`);
    expect((await caseOf('Sound Depot/HP-1')).status).toBe('notified');

    // Still violating inside the cool-down: nothing new is proposed.
    await observe(h.db, cat, 'Sound Depot/HP-1', 8000, day(3), cfg);
    expect((await approveNotice(h.db, c1.id, cfg, { actor: MARIA, now: day(3) })).ok).toBe(false);

    // After the cool-down the next step is proposed; a second case of the same reseller climbs too.
    await observe(h.db, cat, 'Sound Depot/HP-1', 8000, day(8), cfg);
    await observe(h.db, cat, 'Sound Depot/HP-2', 9000, day(8), cfg);
    const c2 = await caseOf('Sound Depot/HP-2');
    expect(await approveNotice(h.db, c1.id, cfg, { actor: MARIA, now: day(8) })).toMatchObject({ ok: true, step: 2 });
    const a3 = await approveNotice(h.db, c2.id, cfg, { actor: MARIA, now: day(8) });
    expect(a3).toMatchObject({ ok: true, step: 3 });
    if (a3.ok) expect(a3.dueAt.toISOString()).toBe(day(15).toISOString()); // waits out the cool-down after step 2
    expect(await send(day(8))).toMatchObject({ sent: 1 });
    expect(noticesTo(to).map((m) => m.header('Subject'))).toEqual([
      'Minimum advertised price notice for Northwind HP-1 (HP-1)',
      'Second notice: minimum advertised price for Northwind HP-1 (HP-1)',
    ]);
    expect(await send(day(14))).toMatchObject({ sent: 0 });
    expect(await send(day(15))).toMatchObject({ sent: 1 });
    expect(noticesTo(to).at(-1)!.header('Subject')).toBe(
      'Final notice: suspension under the MAP policy, Northwind HP-2 (HP-2)',
    );
    expect(
      await resellerViolationLevel(
        h.db,
        (await h.db.selectFrom('resellers').select('id').where('name', '=', 'Sound Depot').executeTakeFirstOrThrow())
          .id,
        day(15),
        30,
      ),
    ).toMatchObject({ level: 3 });

    // The ladder is complete: nothing more is proposed while the episode lasts.
    await observe(h.db, cat, 'Sound Depot/HP-1', 8000, day(23), cfg);
    expect(await approveNotice(h.db, c1.id, cfg, { actor: MARIA, now: day(23) })).toMatchObject({ ok: false });

    // Clean reads resolve both cases; 30 clean days later a new violation starts at step 1 again.
    await observe(h.db, cat, 'Sound Depot/HP-1', 10000, day(24), cfg);
    await observe(h.db, cat, 'Sound Depot/HP-2', 10000, day(24), cfg);
    await observe(h.db, cat, 'Sound Depot/HP-1', 8500, day(55), cfg);
    const c3 = await caseOf('Sound Depot/HP-1');
    expect(c3.id).not.toBe(c1.id);
    expect(await approveNotice(h.db, c3.id, cfg, { actor: MARIA, now: day(55) })).toMatchObject({ ok: true, step: 1 });
  });

  it('the jurisdiction guard sends nothing to an EEA reseller and says why on the case', async () => {
    await observe(h.db, cat, 'EuroKlang GmbH/HP-1', 7000, day(0), cfg);
    const c = await caseOf('EuroKlang GmbH/HP-1');
    const n = await h.db.selectFrom('notices').selectAll().where('case_id', '=', c.id).executeTakeFirstOrThrow();
    expect(n).toMatchObject({ status: 'blocked', step: null });
    expect(n.reason).toMatch(/notices are off for region DE \(EEA\): resale price maintenance is restricted/);
    const r = await approveNotice(h.db, c.id, cfg, { actor: MARIA, now: day(0) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/its notice is blocked: notices are off for region DE/);
    const notes = await h.db
      .selectFrom('case_events')
      .select('detail')
      .where('case_id', '=', c.id)
      .where('kind', '=', 'note')
      .execute();
    expect(JSON.stringify(notes)).toMatch(/region DE/);
    await send(day(30));
    expect(noticesTo('preise@euroklang.example')).toHaveLength(0);
    // With auto-send as well, the guard holds.
    const auto = { ...cfg, notices: { ...cfg.notices, auto_send: true } };
    await observe(h.db, cat, 'EuroKlang GmbH/HP-2', 7000, day(1), auto);
    expect(
      await h.db.selectFrom('outbox').select('id').where('recipient', '=', 'preise@euroklang.example').execute(),
    ).toEqual([]);
  });

  it('an invalid reseller email or an unknown merge field is an error on the case; the notice waits for the fix', async () => {
    await observe(h.db, cat, 'BadMail/HP-1', 7000, day(0), cfg);
    const c = await caseOf('BadMail/HP-1');
    const r = await approveNotice(h.db, c.id, cfg, { actor: MARIA, now: day(0) });
    expect(r).toEqual({
      ok: false,
      error: `case #${c.id}: reseller "BadMail" has an invalid contact_email "not-an-email"; fix it in resellers.csv and import again`,
    });
    await h.db
      .updateTable('resellers')
      .set({ contact_email: 'ok@badmail.example' })
      .where('name', '=', 'BadMail')
      .execute();

    const dir = tmpDir({
      'notice-1.txt': 'Subject: Notice for {{product_name}}\n\nHello {{reseller_name}},\nyour price is {{pirce}}.\n',
    });
    const custom = { ...cfg, templatesDir: dir };
    const bad = await approveNotice(h.db, c.id, custom, { actor: MARIA, now: day(0) });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.error).toContain(`${path.join(dir, 'notice-1.txt')}, line 4: unknown merge field "{{pirce}}"`);
    const notes = await h.db
      .selectFrom('case_events')
      .select('detail')
      .where('case_id', '=', c.id)
      .where('kind', '=', 'note')
      .execute();
    expect(JSON.stringify(notes)).toMatch(/invalid contact_email/);
    expect(JSON.stringify(notes)).toMatch(/unknown merge field/);

    fs.writeFileSync(
      path.join(dir, 'notice-1.txt'),
      'Subject: Notice for {{product_name}}\n\nHello {{reseller_name}},\nyour price is {{observed_price}}.\n',
    );
    expect(await approveNotice(h.db, c.id, custom, { actor: MARIA, now: day(0) })).toMatchObject({
      ok: true,
      to: 'ok@badmail.example',
    });
    await send(day(0));
    const m = noticesTo('ok@badmail.example');
    expect(m).toHaveLength(1);
    expect(m[0]!.header('Subject')).toBe('Notice for Northwind HP-1');
  });

  it('dismissing needs a note, and cancels a waiting notice', async () => {
    await observe(h.db, cat, 'BadMail/HP-2', 7000, day(0), cfg);
    const c = await caseOf('BadMail/HP-2');
    await expect(dismissCase(h.db, c.id, '  ', { actor: MARIA })).rejects.toThrow(/needs a note/);
    await dismissCase(h.db, c.id, 'authorized clearance sale', { actor: MARIA });
    expect((await caseOf('BadMail/HP-2')).status).toBe('dismissed');
    const ev = await h.db
      .selectFrom('case_events')
      .select('detail')
      .where('case_id', '=', c.id)
      .where('kind', '=', 'dismissed')
      .executeTakeFirstOrThrow();
    // The audit log says who dismissed it, and in which role.
    expect(ev.detail).toMatchObject({ note: 'authorized clearance sale', by: 'maria', role: 'compliance' });
    expect(
      (await h.db.selectFrom('notices').select('status').where('case_id', '=', c.id).executeTakeFirstOrThrow()).status,
    ).toBe('cancelled');
    await expect(dismissCase(h.db, c.id, 'again', { actor: MARIA })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already dismissed/),
    });
    await expect(dismissCase(h.db, 999_999, 'gone', { actor: MARIA })).rejects.toMatchObject({ code: 'not_found' });
    await expect(dismissCase(h.db, c.id, 'no one', { actor: { who: ' ', role: 'compliance' } })).rejects.toThrow(
      /acting user: who must name who acts/,
    );
  });
});

describe('notify config', () => {
  it('names the file, line and field of every problem', () => {
    const dir = tmpDir({
      'mapwatch.config.yaml':
        'notify:\n  recipients:\n    - email: anna@x.example\n      time_zone: Mars/Base\n    - email: not-an-address\n  notices:\n    cooldown_days: -1\n',
    });
    const file = path.join(dir, 'mapwatch.config.yaml');
    expect(() => loadNotifyConfig(file)).toThrow(
      /mapwatch\.config\.yaml, line 4, field "notify\.recipients\[0\]\.time_zone": must be an IANA time zone/,
    );
    expect(() => loadNotifyConfig(file)).toThrow(
      /line 5, field "notify\.recipients\[1\]\.email": must be an email address/,
    );
    expect(() => loadNotifyConfig(file)).toThrow(/line 7, field "notify\.notices\.cooldown_days"/);
    expect(loadNotifyConfig(path.join(dir, 'missing.yaml')).recipients).toEqual([]);
  });
});
