/**
 * HTML for the review app's server-rendered pages. Everything interpolated into `html\`…\``
 * is escaped unless it is already `SafeHtml` (the result of another `html` call, or `raw()`
 * for markup we wrote ourselves). Product names, seller names, titles and URLs come from
 * crawled pages and are attacker-controlled; escaping by default is what keeps a payload
 * in a product name showing as text.
 */
import { escapeHtml } from '../escape-html.js';

export { escapeHtml };

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | bigint | boolean | null | undefined | Interpolation[];

function render(v: Interpolation): string {
  if (v == null || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup we wrote ourselves, trusted as is. Never pass text from a page or a user here. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A URL for an href/src: only http(s) and same-origin paths; anything else (javascript:) becomes '#'. */
export function safeHref(url: string | null | undefined): string {
  if (!url) return '#';
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '#';
  } catch {
    return '#';
  }
}
