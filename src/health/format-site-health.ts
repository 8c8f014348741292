/** `mapwatch sites health` output: one line per site, plain text or JSON. */
import type { SiteHealthStats } from './compute-site-health.js';
import { pct } from './judge-site-health.js';
import { locatorNote, type SiteHealthState, stateLabel } from './site-health-state.js';

export interface SiteHealthRow extends SiteHealthStats {
  state: SiteHealthState;
  /** Why the site is in that state (null for ok). */
  stateReason: string | null;
  suppressed: boolean;
  since: Date | null;
  reason: string | null;
  /** Reads reviewers marked "Wrong price?" in the health window (the misreads table). */
  misreads: number;
}

const rate = (x: number | null) => (x === null ? '-' : pct(x));

export function formatSiteHealth(rows: SiteHealthRow[]): string {
  const head = ['site', 'state', 'extraction', 'blocked', 're-check disagree', 'last good read', 'reads'];
  const body = rows.map((r) => [
    r.site,
    stateLabel(r.state),
    rate(r.successRate),
    rate(r.blockedRate),
    r.recheckTotal ? `${rate(r.recheckDisagreementRate)} of ${r.recheckTotal}` : '-',
    r.lastGoodReadAt ? r.lastGoodReadAt.toISOString().replace('.000Z', 'Z') : 'never',
    String(r.reads),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const notes = rows.flatMap((r) => [
    ...(r.suppressed
      ? [`${r.site}: new violations are suppressed since ${r.since?.toISOString() ?? '?'}: ${r.reason ?? ''}`]
      : r.state !== 'ok' && r.stateReason
        ? [`${r.site}: ${r.state.replace('_', ' ')}: ${r.stateReason}`]
        : []),
    // Said even when another reason decided the state.
    ...(locatorNote(r) && r.stateReason !== locatorNote(r) ? [`${r.site}: ${locatorNote(r)}`] : []),
  ]);
  return [line(head), ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}
