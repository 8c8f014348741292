/**
 * How an advertised price became the price compared with the MAP, in words a reseller and a
 * pricing manager both accept: the page said EUR 219.00 including 20% VAT, the MAP is net,
 * so EUR 182.50 was compared. Used by the screenshot banner, alerts, notices and the crawl
 * summary, so none of them ever calls the net amount "advertised".
 */
import { formatMoney } from '../normalize/currency.js';
import type { RuleApplied, Verdict } from './compare-to-map.js';

export interface PriceExplanation {
  /** The price as the page shows it. */
  advertised: string;
  /** The price on the MAP's basis (VAT, pack) that was compared; equals `advertised` when nothing changed. */
  compared: string;
  map: string | null;
  /** Why the two differ ("" when they do not): the VAT and pack adjustments. */
  basis: string;
  /** One line: advertised, compared, MAP, verdict. */
  line: string;
}

type RuleFacts = Pick<RuleApplied, 'vatAdjustment' | 'vatRatePercent' | 'packFactor'>;

/** The adjustments behind a comparison, e.g. "the page price includes 20% VAT and the MAP is net". */
export function describeBasis(rule: RuleFacts | undefined): string {
  if (!rule) return '';
  const parts: string[] = [];
  if (rule.vatAdjustment === 'removed')
    parts.push(`the page price includes ${rule.vatRatePercent}% VAT and the MAP is net, so the net price is compared`);
  if (rule.vatAdjustment === 'added')
    parts.push(
      `the page price excludes VAT and the MAP includes ${rule.vatRatePercent}% VAT, so the price with VAT is compared`,
    );
  const { listingPackSize, productPackSize } = rule.packFactor;
  if (listingPackSize !== productPackSize)
    parts.push(
      `the page sells a pack of ${listingPackSize} and the MAP is for ${productPackSize}, so the price per ${productPackSize} is compared`,
    );
  return parts.join('; ');
}

export function explainPrice(
  advertisedMinor: number | null,
  advertisedCurrency: string | null,
  verdict: Verdict | null,
): PriceExplanation {
  const advertised =
    advertisedMinor !== null && advertisedCurrency ? formatMoney(advertisedMinor, advertisedCurrency) : 'no price';
  if (!verdict || verdict.kind === 'not_comparable') {
    const map = verdict?.rule ? formatMoney(verdict.rule.mapMinor, verdict.rule.currency) : null;
    const basis = describeBasis(verdict?.rule);
    return {
      advertised,
      compared: advertised,
      map,
      basis,
      line: `advertised ${advertised}${map ? ` · MAP ${map}` : ''}${verdict ? ` · not compared: ${verdict.detail}` : ''}`,
    };
  }
  const compared = formatMoney(verdict.normalizedMinor, verdict.currency);
  const map = formatMoney(verdict.mapMinor, verdict.currency);
  const basis = describeBasis(verdict.rule);
  const vat =
    verdict.rule.vatAdjustment === 'removed' ? ' net' : verdict.rule.vatAdjustment === 'added' ? ' with VAT' : '';
  const pack =
    verdict.rule.packFactor.listingPackSize !== verdict.rule.packFactor.productPackSize
      ? ` per ${verdict.rule.packFactor.productPackSize}`
      : '';
  const comparedPart = basis ? ` · compared at ${compared}${vat}${pack}` : '';
  const outcome = verdict.kind === 'violation' ? `${verdict.percentBelow}% below MAP` : 'at or above MAP';
  return {
    advertised,
    compared,
    map,
    basis,
    line: `advertised ${advertised}${comparedPart} vs MAP ${map}: ${outcome}`,
  };
}
