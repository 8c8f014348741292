/**
 * The reseller-facing notice letter as a self-contained HTML page (rendered to PDF by
 * notice-pdf.ts): what was advertised, the MAP in effect that day, how the two compare with
 * VAT and pack size said in words, the screenshots, and the archive's hash. It names no
 * internal id, severity or status.
 *
 * The layout is `templates/notice-letter.html`; a file of that name in `templates_dir`
 * replaces it. `{{ field }}` is replaced with the escaped value; fields ending in `_html`
 * are blocks this module builds (every value in them escaped here). An unknown field is an
 * error naming the file and line, never a blank in a letter to a reseller.
 */
import fs from 'node:fs';
import { formatMoney } from '../normalize/currency.js';
import { escapeHtml as e, safeHref } from '../escape-html.js';
import type { NoticeLetterFacts } from './notice-letter-facts.js';
import type { NotifyConfig } from './notify-config.js';
import { TemplateError, templatePath } from './render-template.js';

export const LETTER_TEMPLATE = 'notice-letter.html';

/** "1 December 2026, 21:40 UTC"; in a zone, its short name follows ("22:40 CET"). */
export function formatWhen(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(at);
}

/** 19 → "1.19": the factor VAT multiplies a net price by. */
function vatFactor(rate: number): string {
  return String(Math.round((100 + rate) * 1e6) / 1e8);
}

/** The comparison in sentences: the MAP (and any promo), VAT and pack size, and the outcome. */
export function comparisonSentences(f: NoticeLetterFacts): string[] {
  const { rule } = f;
  const m = (minor: number) => formatMoney(minor, rule.currency);
  const adv = formatMoney(f.advertisedMinor, f.advertisedCurrency);
  const day = f.capturedAt.toISOString().slice(0, 10);
  const out: string[] = [];
  const p = rule.promo;
  out.push(
    p && rule.mapMinor !== rule.baseMapMinor
      ? `The MAP for this product on ${day} was ${m(rule.baseMapMinor)}. A promotion${p.note ? ` (“${p.note}”)` : ''} ran from ${p.startsAt.replace('T', ' ')} to ${p.endsAt.replace('T', ' ')} (${p.timeZone} time) and lowered it to ${m(rule.mapMinor)} for that period, so ${m(rule.mapMinor)} applies.`
      : `The MAP for this product on ${day} was ${m(rule.mapMinor)}. No promotion changed it on that date.`,
  );
  const steps: string[] = [];
  const rate = rule.vatRatePercent;
  if (rule.vatAdjustment === 'removed' && rate !== null) {
    out.push(
      `Your page shows the price including ${rate}% VAT: ${adv}. The MAP is a price before VAT, so we took the VAT out.`,
    );
    steps.push(`÷ ${vatFactor(rate)}`);
  } else if (rule.vatAdjustment === 'added' && rate !== null) {
    out.push(
      `Your page shows the price before VAT: ${adv}. The MAP includes ${rate}% VAT, so we added the VAT before comparing.`,
    );
    steps.push(`× ${vatFactor(rate)}`);
  }
  const { listingPackSize: sold, productPackSize: mapPack } = rule.packFactor;
  if (sold !== mapPack) {
    out.push(
      `Your page sells a pack of ${sold}; the MAP is for ${mapPack === 1 ? 'a single unit' : `a pack of ${mapPack}`}, so we compared the price for ${mapPack}.`,
    );
    if (mapPack !== 1) steps.push(`× ${mapPack}`);
    steps.push(`÷ ${sold}`);
  }
  out.push(
    steps.length
      ? `Price compared with the MAP: ${adv} ${steps.join(' ')} = ${m(f.comparedMinor)}${rule.vatAdjustment === 'removed' ? ' before VAT' : ''}.`
      : `The advertised price is compared as shown: no VAT or pack-size adjustment applies.`,
  );
  out.push(`${m(f.comparedMinor)} is ${m(f.belowMinor)} (${f.percentBelow}%) below the MAP of ${m(rule.mapMinor)}.`);
  return out;
}

function screenshotsHtml(f: NoticeLetterFacts, seenUtc: string): string {
  const steps = f.shots.length > 1;
  const intro = steps
    ? `<p>On your site the price shows only after ${f.shots.length - 1} step(s). We took the same steps a visitor takes; each screenshot shows one of them, in order. The price we read is outlined in red on the last one.</p>`
    : `<p>Your page as we saw it on ${e(seenUtc)}. The advertised price is outlined in red.</p>`;
  const figures = f.shots.map((s, i) => {
    const last = i === f.shots.length - 1;
    const caption = steps
      ? `Step ${i + 1} of ${f.shots.length}: ${s.caption ?? (last ? 'the page where the price was read' : 'a step on your site')}${last ? ' (the price is outlined in red)' : ''}`
      : 'Your page, with the advertised price outlined in red';
    return `<figure><img src="data:image/png;base64,${s.png.toString('base64')}" alt="${e(caption)}"><figcaption>${e(caption)}</figcaption></figure>`;
  });
  return intro + figures.join('\n');
}

export interface LetterOptions {
  config: Pick<NotifyConfig, 'company' | 'map_policy' | 'notices' | 'templatesDir'>;
  now: Date;
}

/** Every field the template may use. */
export function letterFields(f: NoticeLetterFacts, opts: LetterOptions): Record<string, string> {
  const { config } = opts;
  const zone = config.notices.time_zones[f.resellerName];
  const seenUtc = formatWhen(f.capturedAt, 'UTC');
  const policy = config.map_policy;
  const policyName = policy?.name ?? `${config.company}'s minimum advertised price (MAP) policy`;
  const advertised = formatMoney(f.advertisedMinor, f.advertisedCurrency);
  return {
    company: config.company,
    reseller_name: f.resellerName,
    product_name: f.productName,
    sku: f.sku,
    page_url: f.url,
    date: opts.now.toISOString().slice(0, 10),
    seen_utc: seenUtc,
    seen_local: zone
      ? `${formatWhen(f.capturedAt, zone)} (${zone})`
      : 'not shown: we have no local time zone on file for you, so the time above is in UTC',
    advertised_price: f.advertisedText ? `${advertised} (shown on the page as “${f.advertisedText}”)` : advertised,
    map_price: formatMoney(f.rule.mapMinor, f.rule.currency),
    policy_name: policyName,
    policy_html: policy?.url
      ? `<a href="${safeHref(policy.url)}">${e(policyName)}</a> (${e(policy.url)})`
      : e(policyName),
    comparison_html: `<ul>${comparisonSentences(f)
      .map((s) => `<li>${e(s)}</li>`)
      .join('')}</ul>`,
    screenshots_html: screenshotsHtml(f, seenUtc),
    verification_html: f.archiveSha256
      ? `We keep a complete copy of your page as your server sent it (a web archive). Its SHA-256 fingerprint is <code class="hash">${e(f.archiveSha256)}</code>; anyone holding the archive can recompute it to confirm it is unchanged.`
      : 'No web archive of this page was kept; the screenshots are the record.',
  };
}

export function renderNoticeLetter(f: NoticeLetterFacts, opts: LetterOptions): string {
  const file = templatePath(LETTER_TEMPLATE, opts.config.templatesDir);
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TemplateError(`${file}: cannot read template (${(err as NodeJS.ErrnoException).code})`);
  }
  const fields = letterFields(f, opts);
  return source.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_all, key: string, offset: number) => {
    if (!Object.hasOwn(fields, key)) {
      const line = source.slice(0, offset).split('\n').length;
      throw new TemplateError(
        `${file}, line ${line}: unknown field "{{${key}}}" (known: ${Object.keys(fields).sort().join(', ')})`,
      );
    }
    return key.endsWith('_html') ? fields[key]! : e(fields[key]);
  });
}
