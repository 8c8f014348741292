/**
 * Case actions of the review app: each records who did it in the audit chain and refuses
 * a case in the wrong state with a ConflictError (409); "Wrong price?" keeps the correction,
 * dismisses the case as a misread and counts in site health; bulk actions answer per case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnCases } from '../src/cases/act-on-cases.js';
import { assignCase } from '../src/cases/assign-case.js';
import { commentOnCase } from '../src/cases/comment-on-case.js';
import { markMisread } from '../src/cases/mark-misread.js';
import type { DbHandle } from '../src/db/connect.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../src/errors.js';
import { verifyChain } from '../src/evidence/verify-chain.js';
import { approveNextNotice } from '../src/notify/approve-next-notice.js';
import { defaultNotifyConfig, type NotifyConfig } from '../src/notify/notify-config.js';
import { getCase } from '../src/queries/get-case.js';
import { listSiteHealth } from '../src/queries/list-site-health.js';
import { BACKENDS, openTestDb } from './support/db.js';
import { seedCase, seedCatalog } from './support/seed-cases.js';

const LENA = { who: 'lena@brand.test', role: 'compliance' as const };

describe.each(BACKENDS)('case actions (%s)', (backend) => {
  let h: DbHandle;
  let L: number[];
  let sites: number[];
  const cfg: NotifyConfig = {
    ...defaultNotifyConfig(),
    notices: { ...defaultNotifyConfig().notices, blocked_regions: [] },
  };
  const events = (caseId: number) =>
    h.db
      .selectFrom('case_events')
      .select(['kind', 'detail'])
      .where('case_id', '=', caseId)
      .orderBy('chain_seq')
      .execute();
  const status = async (id: number) =>
    (await h.db.selectFrom('cases').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  beforeAll(async () => {
    h = await openTestDb(backend);
    ({ listings: L, sites } = await seedCatalog(h.db));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('assigns with the actor on record, and refuses a closed case', async () => {
    const id = await seedCase(h.db, { listing: L[0]!, lowestMinor: 8000, firstSeen: '2026-11-01' });
    expect(await assignCase(h.db, { caseId: id, assignee: 'ana@brand.test', actor: LENA })).toEqual({
      assignee: 'ana@brand.test',
      previous: null,
    });
    await assignCase(h.db, { caseId: id, assignee: '', actor: LENA });
    const ev = (await events(id)).filter((e) => e.kind === 'assigned');
    expect(ev.map((e) => e.detail)).toEqual([
      { assignee: 'ana@brand.test', previous: null, by: LENA.who, role: 'compliance' },
      { assignee: null, previous: 'ana@brand.test', by: LENA.who, role: 'compliance' },
    ]);
    await expect(assignCase(h.db, { caseId: id, assignee: 'not an email', actor: LENA })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    const closed = await seedCase(h.db, {
      listing: L[1]!,
      status: 'dismissed',
      lowestMinor: 8000,
      firstSeen: '2026-11-01',
    });
    await expect(assignCase(h.db, { caseId: closed, assignee: 'ana@brand.test', actor: LENA })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(assignCase(h.db, { caseId: 9999, assignee: null, actor: LENA })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps comments in the audit chain with who wrote them', async () => {
    const id = await seedCase(h.db, { listing: L[2]!, lowestMinor: 8000, firstSeen: '2026-11-01' });
    await commentOnCase(h.db, { caseId: id, text: 'called their rep <b>today</b>', actor: LENA });
    await expect(commentOnCase(h.db, { caseId: id, text: '  ', actor: LENA })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    const c = await getCase(h.db, id);
    expect(c.comments).toMatchObject([{ who: LENA.who, role: 'compliance', text: 'called their rep <b>today</b>' }]);
    expect(c.timeline.map((t) => [t.kind, t.who])).toEqual([
      ['opened', 'system'],
      ['comment', LENA.who],
    ]);
    expect(c.verification.problems).toEqual([]);
    expect((await verifyChain(h.db)).problems.filter((p) => p.startsWith('case event'))).toEqual([]);
  });

  it('"Wrong price?" stores the correction, dismisses as a misread, and site health counts it', async () => {
    const id = await seedCase(h.db, { listing: L[3]!, lowestMinor: 4999, firstSeen: '2026-11-01' });
    await expect(markMisread(h.db, { caseId: id, selector: 'div[', actor: LENA })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(markMisread(h.db, { caseId: id, correctPrice: '12.345', actor: LENA })).rejects.toThrow(/price:/);
    const r = await markMisread(h.db, {
      caseId: id,
      correctPrice: '129.99',
      selector: '.price .amount',
      note: 'took the instalment',
      actor: LENA,
    });
    expect(r).toMatchObject({ correctMinor: 12999, currency: 'USD' });
    expect(await status(id)).toBe('dismissed');
    const m = await h.db.selectFrom('misreads').selectAll().where('case_id', '=', id).executeTakeFirstOrThrow();
    expect(m).toMatchObject({ correct_minor: 12999, selector: '.price .amount', by: LENA.who, role: 'compliance' });
    const dismissed = (await events(id)).find((e) => e.kind === 'dismissed')!;
    expect(dismissed.detail).toMatchObject({ by: LENA.who, role: 'compliance', misread: { correct_minor: 12999 } });
    expect((dismissed.detail as { note: string }).note).toMatch(/^misread: the page showed USD 129\.99/);
    const c = await getCase(h.db, id);
    expect(c.history.find((x) => x.id === r.observationId)?.misread).toBe(true);
    // Closed now: a second mark is a conflict.
    await expect(markMisread(h.db, { caseId: id, actor: LENA })).rejects.toBeInstanceOf(ConflictError);
    const health = await listSiteHealth(h.db, { thresholds: undefined });
    expect(health.find((s) => s.siteId === sites[1])?.misreads).toBe(1);
    expect(health.find((s) => s.siteId === sites[0])?.misreads).toBe(0);
  });

  it('bulk dismiss answers per case: one closed case does not stop the others', async () => {
    const a = await seedCase(h.db, { listing: L[4]!, lowestMinor: 8000, firstSeen: '2026-11-01' });
    const b = await seedCase(h.db, { listing: L[5]!, lowestMinor: 8000, firstSeen: '2026-11-01' });
    const closed = (
      await h.db.selectFrom('cases').select('id').where('status', '=', 'dismissed').executeTakeFirstOrThrow()
    ).id;
    const results = await actOnCases(h.db, {
      action: 'dismiss',
      caseIds: [a, closed, 99999, b],
      note: 'authorized clearance',
      actor: LENA,
    });
    expect(results).toEqual([
      { caseId: a, ok: true },
      { caseId: closed, ok: false, code: 'conflict', error: `case #${closed} is already dismissed` },
      { caseId: 99999, ok: false, code: 'not_found', error: 'case #99999 does not exist' },
      { caseId: b, ok: true },
    ]);
    expect([await status(a), await status(b)]).toEqual(['dismissed', 'dismissed']);
    expect((await events(b)).at(-1)?.detail).toMatchObject({ note: 'authorized clearance', by: LENA.who });
    await expect(actOnCases(h.db, { action: 'dismiss', caseIds: [a], note: '', actor: LENA })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('approves the next notice (proposing it when none waits), and refuses a second approval', async () => {
    await h.db
      .updateTable('cases')
      .set({ status: 'resolved' })
      .where('listing_id', '=', L[0]!)
      .where('status', '=', 'open')
      .execute();
    const id = await seedCase(h.db, { listing: L[0]!, lowestMinor: 8000, firstSeen: '2026-11-02' });
    const r = await approveNextNotice(h.db, { caseId: id, cfg, actor: LENA });
    expect(r).toMatchObject({ ok: true, step: 1, to: 'legal@acme.test' });
    const notice = await h.db.selectFrom('notices').selectAll().where('case_id', '=', id).executeTakeFirstOrThrow();
    expect(notice).toMatchObject({ status: 'approved', approved_by: LENA.who });
    expect((await events(id)).at(-1)?.detail).toMatchObject({ notice: 'approved', by: LENA.who, role: 'compliance' });
    await expect(approveNextNotice(h.db, { caseId: id, cfg, actor: LENA })).rejects.toBeInstanceOf(ConflictError);
    const bulk = await actOnCases(h.db, {
      action: 'approve',
      caseIds: [id],
      actor: LENA,
      approve: (caseId, actor) => approveNextNotice(h.db, { caseId, cfg, actor }),
    });
    expect(bulk[0]).toMatchObject({ ok: false, code: 'conflict' });
  });
});
