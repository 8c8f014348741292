/**
 * The end of an extraction (extract-offers.ts): the primary offer of the pick, and every
 * distinct offer the page names, from the structured sources and the visible text.
 */
import type { ExtractResult, Offer } from '../types.js';
import { type Candidate, toOffer } from './candidate.js';
import { sameAmount } from './money.js';
import type { resolvePageCurrency } from './page-currency.js';
import type { Pick } from './pick-primary.js';
import type { TextPick } from './visible-text.js';

/** The result of a pick: the primary offer and every distinct offer the page names. */
export function finishExtract(
  bySource: Map<string, Candidate[]>,
  pick: Pick,
  textPick: TextPick,
  pageCurrency: ReturnType<typeof resolvePageCurrency>,
  warnings: string[],
): ExtractResult {
  let primary: Offer | null = null;
  if (pick.chosen) {
    if (pick.chosen.currency) primary = toOffer(pick.chosen, pick.chosen.currency);
    else warnings.push(`${pick.chosen.source}: price ${pick.chosen.amount} has no currency: ${pageCurrency.detail}`);
  }

  const offers: Offer[] = [];
  const add = (c: Candidate): void => {
    if (c.role !== 'price' || c.related || !c.currency) return;
    if (
      offers.some(
        (o) =>
          o.source === c.source &&
          sameAmount(o.amount, c.amount) &&
          o.currency === c.currency &&
          o.sku === (c.sku ?? c.product?.sku) &&
          o.condition === c.condition &&
          o.seller === c.seller,
      )
    )
      return;
    offers.push(toOffer(c, c.currency));
  };
  for (const cs of bySource.values()) for (const c of cs) add(c);
  if (textPick.chosen) add(textPick.chosen);
  if (primary && 'evidence' in pageCurrency && pageCurrency.evidence !== 'site-config')
    warnings.push(`currency ${pageCurrency.currency} from ${pageCurrency.evidence} (${pageCurrency.detail})`);
  const result: ExtractResult = { primary, offers, ambiguous: pick.ambiguous, warnings };
  if ('evidence' in pageCurrency) result.currency = { ...pageCurrency };
  return result;
}
