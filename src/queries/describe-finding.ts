/** A finding in a few words, for the CLI and the digest. Seller names and page phrases stay untrusted: callers escape. */
import { formatMoney } from '../normalize/currency.js';
import type { FindingRow, GreySignal } from './list-findings.js';

export function describeFinding(f: FindingRow): string {
  if (f.kind === 'map_evasion') {
    const price = f.priceMinor !== null && f.currency ? `; price in cart ${formatMoney(f.priceMinor, f.currency)}` : '';
    return `price hidden: "${f.phrases.join('", "')}"${f.revealedBySteps ? ' (shown after add-to-cart)' : ''}${price}`;
  }
  if (f.kind === 'grey_market') return `grey market: ${f.signals.map(describeSignal).join('; ')}`;
  const below =
    f.belowMap === true
      ? `, ${f.percentBelow ?? '?'}% below MAP`
      : f.belowMap === false
        ? ', at or above MAP'
        : ', not compared with MAP';
  const group = f.group ? ` (seller group "${f.group}")` : '';
  return `unauthorized seller "${f.seller}"${group} at ${f.currency} ${f.amount}${below}`;
}

export function describeSignal(s: GreySignal): string {
  switch (s.signal) {
    case 'below_dealer_cost':
      return `price ${formatMoney(s.amount_minor, s.currency)} is below dealer cost ${formatMoney(s.dealer_cost_minor, s.currency)}`;
    case 'brand_mismatch':
      return `GTIN ${s.gtin} listed under brand "${s.page_brand}", not ${s.catalog_brand}`;
    case 'foreign_gtin_prefix':
      return `GTIN ${s.gtin} is outside ${s.brand}'s company prefixes`;
    case 'compatible_wording':
      return `"${s.phrase}" (part ${s.part})`;
  }
}
