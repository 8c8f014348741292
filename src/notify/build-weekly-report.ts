/**
 * The weekly KPI report for one recipient: last week's channel KPIs by reseller beside the
 * week before (compliance, violating reads, depth, variance against MSRP, cases, notices),
 * as an HTML part, a text part and a CSV attachment. Weeks run Monday to Sunday in the
 * reporting time zone, the zone the daily rollup is kept in. The recipient's brand, region,
 * tier and reseller filters narrow the figures, as they narrow the digest.
 */
import type { Kysely } from 'kysely';
import { csvCell } from '../csv-cell.js';
import type { Database } from '../db/tables.js';
import { escapeHtml as h, plainText } from '../escape-html.js';
import { addRollupSums, computeKpis, type KpiId, type RollupSums } from '../kpis/kpi-definitions.js';
import { queryKpis } from '../kpis/query-kpis.js';
import type { NotifyConfig, Recipient } from './notify-config.js';

export interface ReportWeek {
  /** Monday and Sunday of the reported week, and of the week before (YYYY-MM-DD, reporting zone). */
  from: string;
  to: string;
  prevFrom: string;
  prevTo: string;
}

export interface WeeklyReportRow {
  reseller: string;
  tier: string | null;
  region: string | null;
  cur: RollupSums | null;
  prev: RollupSums | null;
}

export interface WeeklyReport {
  subject: string;
  text: string;
  html: string;
  csv: string;
  filename: string;
  rows: WeeklyReportRow[];
}

const DAY = 86_400_000;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/**
 * The week to report: the Monday–Sunday week holding `week` (a date) when given, else the
 * last complete week before `now` in the reporting zone.
 */
export function reportWeek(o: { now: Date; timeZone: string; week?: string }): ReportWeek {
  const day = o.week ?? addDays(new Intl.DateTimeFormat('en-CA', { timeZone: o.timeZone }).format(o.now), -7);
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  const from = addDays(day, -((weekday + 6) % 7));
  return { from, to: addDays(from, 6), prevFrom: addDays(from, -7), prevTo: addDays(from, -1) };
}

/** Sums of several groups, or null when none of them had reads. */
function addSums(list: (RollupSums | null)[]): RollupSums | null {
  const present = list.filter((s): s is RollupSums => s !== null);
  return present.length ? addRollupSums(present) : null;
}

const kpi = (s: RollupSums | null, id: KpiId): number | null => (s ? computeKpis(s)[id] : null);
const pct = (v: number | null) => (v == null ? '' : v.toFixed(1));
/** CSV figures as numbers (one decimal), not text: a negative text cell would be quoted as a formula guard. */
const num = (v: number | null) => (v == null ? null : Number(v.toFixed(1)));
const diff = (a: number | null, b: number | null): number | null => (a == null || b == null ? null : a - b);
const signed = (v: number | null, digits = 1, unit = '') =>
  v == null ? '' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}${unit}`;

const CSV_HEADER = [
  'reseller',
  'tier',
  'region',
  'reads',
  'trustworthy_reads',
  'compliance_pct',
  'compliance_pct_prev_week',
  'compliance_change_pts',
  'violating_reads',
  'violating_reads_prev_week',
  'violating_reads_change',
  'mean_depth_pct',
  'worst_depth_pct',
  'msrp_variance_pct',
  'msrp_variance_pct_prev_week',
  'cases_opened',
  'notices_sent',
  'blocked_pct',
];

function csvLine(
  name: string,
  tier: string | null,
  region: string | null,
  cur: RollupSums | null,
  prev: RollupSums | null,
) {
  const c = kpi(cur, 'compliance_rate');
  const p = kpi(prev, 'compliance_rate');
  const cells = [
    name,
    tier,
    region,
    cur?.reads ?? 0,
    cur?.trustworthyReads ?? 0,
    num(c),
    num(p),
    num(diff(c, p)),
    cur?.violatingReads ?? 0,
    prev?.violatingReads ?? 0,
    (cur?.violatingReads ?? 0) - (prev?.violatingReads ?? 0),
    num(kpi(cur, 'mean_depth')),
    num(kpi(cur, 'worst_depth')),
    num(kpi(cur, 'msrp_variance')),
    num(kpi(prev, 'msrp_variance')),
    cur?.casesOpened ?? 0,
    cur?.noticesSent ?? 0,
    num(kpi(cur, 'blocked_share')),
  ];
  return cells.map((v) => csvCell(v)).join(',');
}

export async function buildWeeklyReport(
  db: Kysely<Database>,
  o: { recipient: Recipient; cfg: NotifyConfig; week: ReportWeek; timeZone: string },
): Promise<WeeklyReport> {
  const { recipient: r, week } = o;
  const filter = { brands: r.brands, regions: r.regions, tiers: r.tiers, resellers: r.resellers };
  const [cur, prev, resellers] = await Promise.all([
    queryKpis(db, { by: 'reseller', from: week.from, to: week.to, filter }),
    queryKpis(db, { by: 'reseller', from: week.prevFrom, to: week.prevTo, filter }),
    db.selectFrom('resellers').select(['name', 'tier', 'region']).execute(),
  ]);
  const info = new Map(resellers.map((x) => [x.name, x]));
  const curBy = new Map(cur.map((x) => [x.key, x.sums]));
  const prevBy = new Map(prev.map((x) => [x.key, x.sums]));
  const rows: WeeklyReportRow[] = [...new Set([...curBy.keys(), ...prevBy.keys()])]
    .sort((a, b) => a.localeCompare(b))
    .map((name) => ({
      reseller: name,
      tier: info.get(name)?.tier ?? null,
      region: info.get(name)?.region ?? null,
      cur: curBy.get(name) ?? null,
      prev: prevBy.get(name) ?? null,
    }));
  const total = { cur: addSums(rows.map((x) => x.cur)), prev: addSums(rows.map((x) => x.prev)) };
  const filename = `mapwatch-weekly-kpis-${week.from}.csv`;
  const csv = [
    CSV_HEADER.join(','),
    ...rows.map((x) => csvLine(x.reseller, x.tier, x.region, x.cur, x.prev)),
    csvLine('All resellers', null, null, total.cur, total.prev),
  ].join('\r\n');

  const comp = kpi(total.cur, 'compliance_rate');
  const compPrev = kpi(total.prev, 'compliance_rate');
  const viol = total.cur?.violatingReads ?? 0;
  const violPrev = total.prev?.violatingReads ?? 0;
  const compText = comp == null ? 'no trustworthy reads' : `${comp.toFixed(1)}% compliant`;
  const subject = `[mapwatch] Week ${week.from} to ${week.to}: ${compText}${diff(comp, compPrev) == null ? '' : ` (${signed(diff(comp, compPrev), 1, ' pts')})`}, ${viol} violating read(s)`;
  const span = `${week.from} to ${week.to}`;
  const spanPrev = `${week.prevFrom} to ${week.prevTo}`;
  // Worst compliance first: the mail is read for its problems.
  const ranked = rows
    .filter((x) => x.cur)
    .sort(
      (a, b) =>
        (kpi(a.cur, 'compliance_rate') ?? 101) - (kpi(b.cur, 'compliance_rate') ?? 101) ||
        a.reseller.localeCompare(b.reseller),
    );

  // Plain text.
  const lines = [
    `MAP compliance, week ${span} (${o.timeZone} days)`,
    `Compared with the week before (${spanPrev}).`,
    '',
    `All resellers: ${compText}${diff(comp, compPrev) == null ? '' : ` (${signed(diff(comp, compPrev), 1, ' pts')})`}, ${viol} violating read(s) (${signed(viol - violPrev, 0)}), ${total.cur?.casesOpened ?? 0} case(s) opened, ${total.cur?.noticesSent ?? 0} notice(s) sent.`,
    '',
  ];
  if (!ranked.length) lines.push('No reads this week.');
  for (const x of ranked) {
    const c = kpi(x.cur, 'compliance_rate');
    const change = diff(c, kpi(x.prev, 'compliance_rate'));
    const depth = kpi(x.cur, 'mean_depth');
    lines.push(
      `  ${plainText(x.reseller)}: ${c == null ? 'no trustworthy reads' : `${c.toFixed(1)}% compliant`}${change == null ? '' : ` (${signed(change, 1, ' pts')})`}, ${x.cur!.violatingReads} violating read(s)${depth == null ? '' : `, mean ${depth.toFixed(1)}% below MAP`}`,
    );
  }
  lines.push('', `Every figure by reseller is in the attached CSV (${filename}).`);

  // HTML, table-based with inline styles, like the digest.
  const card = (label: string, value: string, note: string) =>
    `<td style="padding:12px 16px;background:#f4f6f8;border-radius:6px;width:25%;vertical-align:top"><div style="font-size:12px;color:#5b6470;text-transform:uppercase;letter-spacing:.04em">${h(label)}</div><div style="font-size:24px;font-weight:600;color:#1b1f24">${h(value)}</div><div style="font-size:12px;color:#5b6470">${h(note)}</div></td>`;
  // Colour says better or worse: compliance up is good, violations up are bad.
  const trend = (v: number | null, text: string, goodWhenUp: boolean) =>
    v == null || v === 0
      ? `<span style="color:#5b6470">${h(text || '–')}</span>`
      : `<span style="color:${v > 0 === goodWhenUp ? '#2e7d32' : '#c62828'};font-weight:600">${v > 0 ? '▲' : '▼'} ${h(text)}</span>`;
  const cell = 'padding:6px 8px;text-align:right;white-space:nowrap';
  const tableRows = ranked
    .map((x) => {
      const c = kpi(x.cur, 'compliance_rate');
      const change = diff(c, kpi(x.prev, 'compliance_rate'));
      const dv = x.cur!.violatingReads - (x.prev?.violatingReads ?? 0);
      return `<tr style="border-top:1px solid #e3e6ea"><td style="padding:6px 8px"><div style="font-weight:600">${h(x.reseller)}</div><div style="font-size:12px;color:#5b6470">${h([x.tier && `${x.tier} tier`, x.region].filter(Boolean).join(' · '))}</div></td>
<td style="${cell};font-weight:600">${h(c == null ? '–' : `${c.toFixed(1)}%`)}</td><td style="${cell}">${trend(change, signed(change, 1, ' pts'), true)}</td>
<td style="${cell}">${x.cur!.violatingReads}</td><td style="${cell}">${trend(dv, signed(dv, 0), false)}</td>
<td style="${cell}">${h(pct(kpi(x.cur, 'mean_depth')) || '–')}${kpi(x.cur, 'mean_depth') == null ? '' : '%'}</td>
<td style="${cell}">${h(signed(kpi(x.cur, 'msrp_variance'), 1, '%') || '–')}</td>
<td style="${cell}">${x.cur!.casesOpened}</td><td style="${cell}">${x.cur!.noticesSent}</td></tr>`;
    })
    .join('\n');
  const th = 'padding:4px 8px;font-weight:600';
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${h(subject)}</title></head>
<body style="margin:0;padding:24px;background:#ffffff;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1b1f24">
<div style="max-width:760px;margin:0 auto">
<div style="font-size:13px;color:#5b6470">mapwatch · ${h(o.cfg.company)}</div>
<h1 style="font-size:22px;margin:4px 0 2px">Weekly MAP compliance, ${h(span)}</h1>
<div style="font-size:13px;color:#5b6470;margin-bottom:16px">Days in ${h(o.timeZone)}; changes are against ${h(spanPrev)}.</div>
<table role="presentation" cellspacing="8" cellpadding="0" style="width:100%;margin:0 -8px"><tr>
${card('compliance', comp == null ? '–' : `${comp.toFixed(1)}%`, diff(comp, compPrev) == null ? 'no reads the week before' : `${signed(diff(comp, compPrev), 1, ' pts')} on the week before`)}
${card('violating reads', String(viol), `${signed(viol - violPrev, 0)} on the week before`)}
${card('cases opened', String(total.cur?.casesOpened ?? 0), `${total.prev?.casesOpened ?? 0} the week before`)}
${card('notices sent', String(total.cur?.noticesSent ?? 0), `${total.prev?.noticesSent ?? 0} the week before`)}
</tr></table>
${
  ranked.length
    ? `<h2 style="font-size:18px;margin:24px 0 6px">By reseller, lowest compliance first</h2>
<table role="presentation" cellspacing="0" cellpadding="0" style="width:100%;border-collapse:collapse;font-size:14px">
<tr style="color:#5b6470;font-size:12px;text-align:right"><th style="${th};text-align:left">reseller</th><th style="${th}">compliance</th><th style="${th}">change</th><th style="${th}">violating</th><th style="${th}">change</th><th style="${th}">mean depth</th><th style="${th}">vs MSRP</th><th style="${th}">cases</th><th style="${th}">notices</th></tr>
${tableRows}</table>`
    : '<p style="margin-top:24px">No reads this week.</p>'
}
<p style="margin-top:24px;font-size:12px;color:#8a929c">Compliance is the share of trustworthy reads at or above MAP; depth is the mean % below MAP of the reads below it; vs MSRP is the mean of (price − MSRP) ÷ MSRP. Every figure by reseller is in the attached ${h(filename)}. Sent to ${h(r.email)}.</p>
</div></body></html>`;
  return { subject, text: lines.join('\n'), html, csv, filename, rows };
}
