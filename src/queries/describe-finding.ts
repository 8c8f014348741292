/** A finding in a few words, for the CLI and the digest. Seller names and page phrases stay untrusted: callers escape. */
import { formatMoney } from '../normalize/currency.js';
import type { FindingRow } from './list-findings.js';

export function describeFinding(f: FindingRow): string {
  if (f.kind === 'map_evasion') {
    const price = f.priceMinor !== null && f.currency ? `; price in cart ${formatMoney(f.priceMinor, f.currency)}` : '';
    return `price hidden: "${f.phrases.join('", "')}"${f.revealedBySteps ? ' (shown after add-to-cart)' : ''}${price}`;
  }
  const below =
    f.belowMap === true
      ? `, ${f.percentBelow ?? '?'}% below MAP`
      : f.belowMap === false
        ? ', at or above MAP'
        : ', not compared with MAP';
  return `unauthorized seller "${f.seller}" at ${f.currency} ${f.amount}${below}`;
}
