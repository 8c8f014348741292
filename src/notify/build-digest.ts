/**
 * The daily digest for one pricing manager: the last 24 hours of cases they follow,
 * grouped by reseller into new, still open and closed, with totals and the change since
 * yesterday. An HTML part (screenshot thumbnails as inline CID images once evidence
 * exists) and a plain-text part. Every string is escaped: product names as the page
 * states them and URLs come from reseller pages.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { formatMoney } from '../normalize/currency.js';
import { type CaseFacts, daysBetween, loadCaseFacts } from '../cases/load-case-facts.js';
import type { AttachmentSpec } from './enqueue-message.js';
import { chainHead } from '../evidence/chain-head.js';
import { latestScreenshot } from './evidence.js';
import { escapeHtml as h, plainText, safeHref } from '../escape-html.js';
import type { NotifyConfig, Recipient } from './notify-config.js';
import { recipientWants } from './recipients.js';
import { describeFinding } from '../queries/describe-finding.js';
import type { FindingEvidenceRef } from '../queries/finding-evidence-refs.js';
import { type FindingRow, listFindings } from '../queries/list-findings.js';

export interface Digest {
  subject: string;
  text: string;
  html: string;
  attachments: AttachmentSpec[];
  totals: { open: number; openYesterday: number; new: number; closed: number; findings: number };
}

type Group = 'new' | 'open' | 'closed';
const TITLES: Record<Group, string> = { new: 'New', open: 'Still open', closed: 'Resolved or dismissed' };
const DAY = 86_400_000;

export async function buildDigest(
  db: Kysely<Database>,
  recipient: Recipient,
  cfg: NotifyConfig,
  now: Date,
): Promise<Digest> {
  const since = new Date(now.getTime() - DAY);
  const ids = await db
    .selectFrom('cases')
    .select('id')
    .where((eb) => eb.or([eb('status', 'in', ['open', 'notified']), eb('closed_at', '>=', since)]))
    .where('first_seen_at', '<=', now)
    .execute();
  const facts = (
    await loadCaseFacts(
      db,
      ids.map((r) => r.id),
    )
  ).filter((f) => recipientWants(recipient, f));
  // Unauthorized sellers and MAP evasion open no case, so the digest is where a person sees them.
  const findings = (await listFindings(db, { since })).filter((f) =>
    recipientWants(recipient, {
      brand: f.brand,
      resellerRegion: f.resellerRegion,
      resellerTier: f.resellerTier,
      resellerName: f.reseller,
    }),
  );
  const groupOf = (f: CaseFacts): Group =>
    f.status === 'resolved' || f.status === 'dismissed' ? 'closed' : f.firstSeenAt >= since ? 'new' : 'open';
  const totals = {
    open: facts.filter((f) => groupOf(f) !== 'closed').length,
    openYesterday: facts.filter((f) => f.firstSeenAt < since).length,
    new: facts.filter((f) => groupOf(f) === 'new').length,
    closed: facts.filter((f) => groupOf(f) === 'closed').length,
    findings: findings.length,
  };
  const change = totals.open - totals.openYesterday;
  const changeText =
    change === 0 ? 'no change since yesterday' : `${change > 0 ? '+' : '−'}${Math.abs(change)} since yesterday`;

  const byReseller = new Map<string, CaseFacts[]>();
  for (const f of facts.sort((a, b) => b.percentBelow - a.percentBelow))
    byReseller.set(f.resellerName, [...(byReseller.get(f.resellerName) ?? []), f]);
  const resellers = [...byReseller.keys()].sort((a, b) => a.localeCompare(b));

  const attachments: AttachmentSpec[] = [];
  const thumbs = new Set<number>();
  for (const f of facts) {
    if (await latestScreenshot(db, f.caseId, cfg.evidenceStore)) {
      thumbs.add(f.caseId);
      attachments.push({ type: 'thumbnail', caseId: f.caseId, cid: `shot-${f.caseId}` });
    }
  }

  const day = now.toLocaleDateString('en-CA', { timeZone: recipient.time_zone });
  // Publishing the chain head outside the database is what makes deleting the newest evidence detectable.
  const head = await chainHead(db);
  const headLine = head
    ? `Evidence chain: ${head.rows} record(s), head ${head.chainSha256}. Keep this email: \`mapwatch evidence verify --db --head ${head.chainSha256}\` proves none of it was removed since.`
    : '';
  const subject = `[mapwatch] ${day}: ${totals.open} open MAP case(s), ${totals.new} new, ${totals.closed} closed`;

  // Plain text.
  const lines = [
    `MAP compliance digest for ${day} (${recipient.time_zone})`,
    '',
    `Open: ${totals.open} (${changeText}). New: ${totals.new}. Closed: ${totals.closed}.`,
    '',
  ];
  if (!facts.length) lines.push('No cases in the last 24 hours. Nothing to do.');
  for (const r of resellers) {
    lines.push(plainText(r), '='.repeat(Math.min(60, r.length)));
    for (const g of ['new', 'open', 'closed'] as Group[]) {
      const list = byReseller.get(r)!.filter((f) => groupOf(f) === g);
      if (!list.length) continue;
      lines.push(`${TITLES[g]}:`);
      for (const f of list) {
        lines.push(
          `  #${f.caseId} ${plainText(f.productName)} (${plainText(f.sku)}): MAP ${formatMoney(f.mapMinor, f.currency)}, lowest ${formatMoney(f.lowestMinor, f.currency)}, ${f.percentBelow}% below, ${daysOpen(f, now)}`,
          `      ${plainText(f.url)}`,
        );
      }
    }
    lines.push('');
  }

  if (findings.length) {
    lines.push(`Findings in the last 24 hours (${findings.length}): they open no case; judge them yourself.`);
    for (const f of findings)
      lines.push(
        `  ${plainText(f.reseller)} ${plainText(f.sku)}: ${plainText(describeFinding(f))}, ${f.reads} read(s)`,
        `      ${plainText(f.url)}`,
        ...(f.evidence ? [`      ${evidenceLine(f.evidence)}`] : []),
      );
    lines.push('');
  }

  // HTML, table-based with inline styles: the layout mail clients render reliably.
  const card = (label: string, value: string, note = '') =>
    `<td style="padding:12px 16px;background:#f4f6f8;border-radius:6px;width:25%"><div style="font-size:12px;color:#5b6470;text-transform:uppercase;letter-spacing:.04em">${h(label)}</div><div style="font-size:24px;font-weight:600;color:#1b1f24">${h(value)}</div><div style="font-size:12px;color:#5b6470">${h(note)}</div></td>`;
  const badge = (g: Group) => ({ new: '#c62828', open: '#ef6c00', closed: '#2e7d32' })[g];
  const row = (f: CaseFacts) => `<tr style="border-top:1px solid #e3e6ea">
<td style="padding:8px;width:128px;vertical-align:top">${thumbs.has(f.caseId) ? `<img src="cid:shot-${f.caseId}" width="120" alt="screenshot of case ${f.caseId}" style="display:block;border:1px solid #d0d4d9;border-radius:3px">` : '<div style="width:120px;height:72px;background:#eef0f2;color:#8a929c;font-size:11px;text-align:center;line-height:72px;border-radius:3px">no screenshot yet</div>'}</td>
<td style="padding:8px;vertical-align:top"><div style="font-weight:600">${h(f.productName)}</div><div style="color:#5b6470;font-size:12px">${h(f.sku)} · case #${f.caseId} · ${h(f.severity)}</div>${f.pageProductName && f.pageProductName !== f.productName ? `<div style="color:#5b6470;font-size:12px">page says: “${h(f.pageProductName)}”</div>` : ''}<div style="font-size:12px"><a href="${safeHref(f.url)}" style="color:#1565c0">${h(shorten(f.url))}</a></div></td>
<td style="padding:8px;text-align:right;vertical-align:top;white-space:nowrap">${h(formatMoney(f.mapMinor, f.currency))}</td>
<td style="padding:8px;text-align:right;vertical-align:top;white-space:nowrap;font-weight:600">${h(formatMoney(f.lowestMinor, f.currency))}</td>
<td style="padding:8px;text-align:right;vertical-align:top;white-space:nowrap;color:#c62828;font-weight:600">${f.percentBelow}%</td>
<td style="padding:8px;text-align:right;vertical-align:top;white-space:nowrap">${h(daysOpen(f, now))}</td></tr>`;
  const sections = resellers
    .map((r) => {
      const list = byReseller.get(r)!;
      const f0 = list[0]!;
      const groups = (['new', 'open', 'closed'] as Group[])
        .map((g) => {
          const gl = list.filter((f) => groupOf(f) === g);
          if (!gl.length) return '';
          return `<tr><td colspan="6" style="padding:12px 8px 4px"><span style="display:inline-block;padding:2px 8px;border-radius:10px;background:${badge(g)};color:#fff;font-size:12px;font-weight:600">${TITLES[g]} · ${gl.length}</span></td></tr>${gl.map(row).join('\n')}`;
        })
        .join('\n');
      return `<h2 style="font-size:18px;margin:28px 0 4px;color:#1b1f24">${h(r)}</h2><div style="color:#5b6470;font-size:13px">${h([f0.resellerRegion, f0.resellerTier && `${f0.resellerTier} tier`].filter(Boolean).join(' · '))}</div>
<table role="presentation" cellspacing="0" cellpadding="0" style="width:100%;border-collapse:collapse;font-size:14px;margin-top:6px">
<tr style="color:#5b6470;font-size:12px;text-align:right"><th></th><th style="text-align:left;padding:4px 8px">product</th><th style="padding:4px 8px">MAP</th><th style="padding:4px 8px">lowest</th><th style="padding:4px 8px">below MAP</th><th style="padding:4px 8px">open</th></tr>
${groups}</table>`;
    })
    .join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${h(subject)}</title></head>
<body style="margin:0;padding:24px;background:#ffffff;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1b1f24">
<div style="max-width:760px;margin:0 auto">
<div style="font-size:13px;color:#5b6470">mapwatch · ${h(cfg.company)}</div>
<h1 style="font-size:22px;margin:4px 0 16px">MAP compliance digest, ${h(day)}</h1>
<table role="presentation" cellspacing="8" cellpadding="0" style="width:100%;margin:0 -8px"><tr>${card('open cases', String(totals.open), changeText)}${card('new', String(totals.new), 'last 24 hours')}${card('closed', String(totals.closed), 'last 24 hours')}${card('resellers', String(resellers.length), 'with cases')}</tr></table>
${facts.length ? sections : '<p style="margin-top:24px">No cases in the last 24 hours. Nothing to do.</p>'}
${findingsHtml(findings)}
<p style="margin-top:32px;font-size:12px;color:#8a929c">Prices are the lowest seen while each case was open, normalized to the MAP's pack size and VAT basis. Sent to ${h(recipient.email)} at ${h(recipient.digest_at)} ${h(recipient.time_zone)}.</p>
${headLine ? `<p style="font-size:11px;color:#8a929c;word-break:break-all">${h(headLine)}</p>` : ''}
</div></body></html>`;
  if (headLine) lines.push('', headLine);
  return { subject, text: lines.join('\n'), html, attachments, totals };
}

const KIND_LABEL: Record<FindingRow['kind'], string> = {
  map_evasion: 'MAP evasion',
  unauthorized_seller: 'Unauthorized seller',
  grey_market: 'Grey market',
};

function findingsHtml(findings: FindingRow[]): string {
  if (!findings.length) return '';
  const rows = findings
    .map(
      (f) => `<tr style="border-top:1px solid #e3e6ea">
<td style="padding:8px;vertical-align:top;white-space:nowrap">${KIND_LABEL[f.kind]}</td>
<td style="padding:8px;vertical-align:top"><div style="font-weight:600">${h(f.reseller)} · ${h(f.sku)}</div><div style="font-size:13px">${h(describeFinding(f))}</div><div style="font-size:12px"><a href="${safeHref(f.url)}" style="color:#1565c0">${h(shorten(f.url))}</a></div>${f.evidence ? `<div style="font-size:11px;color:#5b6470;word-break:break-all">${h(evidenceLine(f.evidence))}</div>` : ''}</td>
<td style="padding:8px;text-align:right;vertical-align:top;white-space:nowrap">${f.reads} read(s)</td></tr>`,
    )
    .join('\n');
  return `<h2 style="font-size:18px;margin:28px 0 4px;color:#1b1f24">Findings · ${findings.length}</h2><div style="color:#5b6470;font-size:13px">Unauthorized sellers, hidden prices and grey-market signals seen in the last 24 hours. They open no case: judge them yourself.</div>
<table role="presentation" cellspacing="0" cellpadding="0" style="width:100%;border-collapse:collapse;font-size:14px;margin-top:6px">${rows}</table>`;
}

/** The stored page behind a finding, by the hash `mapwatch evidence verify --db` checks in the chain. */
function evidenceLine(e: FindingEvidenceRef): string {
  return `evidence #${e.id} (page stored ${e.capturedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC), manifest sha256 ${e.manifestSha256}`;
}

function daysOpen(f: CaseFacts, now: Date): string {
  const d = daysBetween(f.firstSeenAt, f.closedAt ?? now);
  return d === 0 ? 'today' : `${d} day${d === 1 ? '' : 's'}`;
}

function shorten(url: string): string {
  return url.length > 70 ? `${url.slice(0, 69)}…` : url;
}
