/**
 * Small pieces the Findings, Resellers, Sites and Outbox pages share: reading the query with
 * the API's own zod schema (so a page and its API list take the same filters), the "next
 * page" and "Download CSV" links that keep the filter, and how numbers and times read.
 */
import type { Request } from 'express';
import type { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { formatMoney } from '../../normalize/currency.js';
import { html, type SafeHtml } from '../html.js';

/** The query string (or path parameters) read with a zod schema; a bad one is a 400 naming the field. */
export function parseQuery<T extends z.ZodType>(schema: T, values: unknown): z.output<T> {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  throw new InvalidInputError(
    r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'query'}: ${i.message}`).join('; '),
  );
}

/** The request's query string with some keys replaced or removed (undefined), for links that keep the filter. */
export function withQuery(req: Request, change: Record<string, string | undefined>, path = req.path): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) {
    if (k in change) continue;
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string' && one !== '') q.append(k, one);
  }
  for (const [k, v] of Object.entries(change)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** "Next page" (when there is one) and "Download CSV" for the same filter. */
export function listFooter(req: Request, o: { nextCursor: string | null; csvPath: string; shown: number }): SafeHtml {
  const csv = withQuery(req, { cursor: undefined, limit: undefined }, o.csvPath);
  return html`<nav class="pager" aria-label="Pages">
    <span class="count">${o.shown} shown</span>
    ${req.query['cursor'] ? html`<a href="${withQuery(req, { cursor: undefined })}">First page</a>` : ''}
    ${o.nextCursor ? html`<a rel="next" data-testid="next-page" href="${withQuery(req, { cursor: o.nextCursor })}">Next page</a>` : ''}
    <a class="button csv" data-testid="download-csv" href="${csv}" download>Download CSV</a>
  </nav>`;
}

export function when(d: Date | null | undefined): SafeHtml {
  if (!d) return html`<span class="muted">never</span>`;
  const iso = d.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')}</time>`;
}

export const pct = (x: number | null | undefined): string => (x == null ? '–' : `${Math.round(x * 1000) / 10}%`);

export function money(minor: number | null | undefined, currency: string | null | undefined): string {
  if (minor == null || !currency) return '–';
  try {
    return formatMoney(minor, currency);
  } catch {
    return `${minor} ${currency}`;
  }
}

/** A select of options with the current value selected; '' is "any". */
export function select(name: string, label: string, options: readonly string[], current: string | undefined): SafeHtml {
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">any</option>
      ${options.map((o) => html`<option value="${o}" ${o === current ? html`selected` : ''}>${o.replace(/_/g, ' ')}</option>`)}
    </select></label
  >`;
}

export function textInput(
  name: string,
  label: string,
  current: string | number | undefined,
  type = 'search',
): SafeHtml {
  return html`<label>${label} <input type="${type}" name="${name}" value="${current ?? ''}" /></label>`;
}

export function filterForm(fields: SafeHtml[]): SafeHtml {
  return html`<form class="filters" method="get" role="search">
    ${fields}
    <div class="actions"><button type="submit" class="button primary">Filter</button></div>
  </form>`;
}
