/** Small display helpers shared by the cases pages. */
import { formatMoney } from '../../../normalize/currency.js';
import { html, type SafeHtml } from '../../html.js';

export function when(d: Date | string | null | undefined): string {
  if (!d) return '—';
  return new Date(d).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function day(d: Date | string | null | undefined): string {
  return d ? new Date(d).toISOString().slice(0, 10) : '—';
}

export function money(minor: number | null | undefined, currency: string | null | undefined): string {
  return minor === null || minor === undefined || !currency ? '—' : formatMoney(minor, currency);
}

/** A class-safe token from config-defined names (severity bands, statuses). */
export function token(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
}

export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge status-${token(status)}" data-status="${status}">${status}</span>`;
}

export function severityBadge(severity: string): SafeHtml {
  return html`<span class="badge sev-${token(severity)}" data-severity="${severity}">${severity}</span>`;
}

/** The cases pages' own stylesheet (the layout links app.css; this adds the cases-specific rules). */
export const CASES_CSS = html`<link rel="stylesheet" href="/assets/cases.css" />`;
