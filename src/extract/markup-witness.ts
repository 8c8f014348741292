/**
 * Whether the markup shows a structured price without reading the page's visible text (issue 15:
 * "skip the visible-text cross-check when structured data settles the price and a cheap witness
 * agrees"). The visible-text model costs about a tenth of a static check; on a page whose first
 * structured source names one price and nothing contradicts it, the text could only add a
 * warning (pick-primary.ts, `settledAlone`). The skip still asks for a second, independent sign
 * that the page advertises that amount, from what is already indexed:
 * - another structured source (microdata, meta tags, a configured selector) names it, or the
 *   page's embedded state does;
 * - an element whose class or id names a price (the buy box, a `.price` tag) shows it in its text.
 * Without one, the text model runs as before. The witness never chooses a price.
 */
import type { Candidate } from './candidate.js';
import { type DomIndex, textOf } from './dom-index.js';
import type { EmbeddedWitness } from './match-embedded.js';
import { sameAmount } from './money.js';

/** Numbers as shops print them: digits with grouping (`,` `.` `'` spaces) and a decimal part. */
const NUMBER = /\d(?:[\d.,'\u00a0\u202f ]*\d)?/g;

/** The value of a printed number: the last `.` or `,` followed by one or two digits is the decimal mark. */
function valueOf(token: string): string {
  const m = /^(.*)[.,](\d{1,2})$/.exec(token);
  const whole = (m ? m[1]! : token).replace(/\D/g, '');
  return m ? `${whole}.${m[2]}` : whole;
}

/** `text` prints `amount` as a number of its own (not part of a longer one). */
export function printsAmount(text: string, amount: string): boolean {
  for (const token of text.match(NUMBER) ?? []) if (sameAmount(valueOf(token.trim()), amount)) return true;
  return false;
}

export interface MarkupWitnessInput {
  chosen: Pick<Candidate, 'amount' | 'source'>;
  bySource: ReadonlyMap<string, Candidate[]>;
  embedded?: EmbeddedWitness;
  idx: Pick<DomIndex, 'priceEls'>;
}

/** What independently shows the chosen amount, or null. */
export function markupWitness({ chosen, bySource, embedded, idx }: MarkupWitnessInput): string | null {
  for (const [src, cs] of bySource) {
    if (src === chosen.source) continue;
    if (cs.some((c) => c.role === 'price' && !c.related && sameAmount(c.amount, chosen.amount))) return src;
  }
  if (embedded && sameAmount(embedded.amount, chosen.amount)) return embedded.source;
  for (const el of idx.priceEls) {
    // Short texts only: a price tag, not a whole section that happens to carry a price class.
    const text = textOf(el, 200);
    if (text.length <= 80 && printsAmount(text, chosen.amount)) return `price element <${el.name}>`;
  }
  return null;
}
