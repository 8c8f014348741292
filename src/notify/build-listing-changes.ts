/**
 * The ops email for one discovery run's listing changes (or for listings a person approved
 * in review): what is new, what moved where, what is gone, as an HTML table and as plain
 * text. Product names as the catalog states them, and URLs from the reseller's sitemap: every
 * value is escaped, and only http(s) URLs become links.
 */
import { escapeHtml as h, plainText, safeHref } from '../escape-html.js';
import type { ListingChange } from '../queries/list-discovered.js';

export interface ListingChangesMail {
  subject: string;
  text: string;
  html: string;
}

/** A run that finds a whole new site lists thousands: the mail names this many, and counts the rest. */
export const MAX_LISTED = 200;

const ORDER = ['new', 'moved', 'gone'] as const;
const TITLE = { new: 'New listings', moved: 'Moved', gone: 'Gone' } as const;
const WHAT = {
  new: 'Matched to the catalog and checked from the next crawl on.',
  moved: 'The listing followed its page (a redirect or a new canonical URL); it keeps its history.',
  gone: 'The page answers 404/410: the listing is no longer checked.',
} as const;

const oneLine = (s: string | null | undefined) => plainText(s ?? '').replace(/[\r\n]+/g, ' ');

function where(c: ListingChange): string {
  if (c.change === 'moved') return `${c.movedFrom ?? c.url} -> ${c.finalUrl ?? c.url}`;
  return c.change === 'new' ? (c.finalUrl ?? c.url) : c.url;
}

function htmlWhere(c: ListingChange): string {
  const link = (u: string) => `<a href="${safeHref(u)}">${h(u)}</a>`;
  if (c.change === 'moved') return `${link(c.movedFrom ?? c.url)} &rarr; ${link(c.finalUrl ?? c.url)}`;
  return link(where(c));
}

export function buildListingChanges(o: { changes: ListingChange[]; runId: number | null }): ListingChangesMail {
  const first = o.changes[0]!;
  const site = oneLine(first.site);
  const by = ORDER.map((k) => ({ kind: k, list: o.changes.filter((c) => c.change === k) })).filter(
    (g) => g.list.length,
  );
  const counts = by.map((g) => `${g.list.length} ${g.kind}`).join(', ');
  const origin = o.runId !== null ? `Discovery run ${o.runId}` : 'Review decisions';
  const subject = `[mapwatch] ${site}: listings ${counts}${o.runId !== null ? ` (discovery run ${o.runId})` : ' (approved in review)'}`;
  const intro = `${origin} changed the listings of ${site} (${oneLine(first.siteDomain)}): ${counts}.`;
  const review =
    'Pages matched too weakly to become listings alone wait for a person in the review app under "Discovered" (or `mapwatch listings review`).';

  let listed = 0;
  const text: string[] = [intro, ''];
  const html: string[] = [`<p>${h(intro)}</p>`];
  for (const g of by) {
    text.push(`${TITLE[g.kind]} (${g.list.length}): ${WHAT[g.kind]}`);
    html.push(
      `<h3 style="margin:16px 0 4px">${h(TITLE[g.kind])} (${g.list.length})</h3><p style="margin:0 0 6px;color:#555">${h(WHAT[g.kind])}</p>`,
    );
    const rows: string[] = [];
    for (const c of g.list) {
      if (listed >= MAX_LISTED) break;
      listed++;
      const product = c.sku ? `${c.sku} ${c.productName ?? ''}`.trim() : '(no product)';
      const how = c.reviewedBy ? `approved by ${c.reviewedBy}` : c.method ? `matched by ${c.method}` : '';
      text.push(`  - ${oneLine(product)}: ${oneLine(where(c))}${how ? ` (${oneLine(how)})` : ''}`);
      rows.push(
        `<tr><td style="padding:2px 8px 2px 0">${h(c.sku ?? '–')}</td><td style="padding:2px 8px 2px 0">${h(c.productName ?? '')}</td><td style="padding:2px 8px 2px 0">${htmlWhere(c)}</td><td style="padding:2px 0;color:#555">${h(how)}</td></tr>`,
      );
    }
    text.push('');
    if (rows.length)
      html.push(
        `<table style="border-collapse:collapse;font-size:13px"><thead><tr><th align="left">SKU</th><th align="left">Product</th><th align="left">Page</th><th align="left">How</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
      );
  }
  if (listed < o.changes.length) {
    const more = `… and ${o.changes.length - listed} more, not listed here.`;
    text.push(more, '');
    html.push(`<p>${h(more)}</p>`);
  }
  text.push(review);
  html.push(`<p style="color:#555">${h(review)}</p>`);
  return {
    subject,
    text: text.join('\n'),
    html: `<div style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#222">${html.join('\n')}</div>`,
  };
}
