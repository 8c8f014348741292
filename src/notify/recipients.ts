/** Which pricing managers a case concerns: every filter they set must match (brand, region, tier, reseller). */
import type { CaseFacts } from '../cases/load-case-facts.js';
import type { Recipient } from './notify-config.js';

const has = (list: string[] | undefined, value: string | null) =>
  !list || (value !== null && list.some((x) => x.toLowerCase() === value.toLowerCase()));

export function recipientWants(
  r: Recipient,
  f: Pick<CaseFacts, 'brand' | 'resellerRegion' | 'resellerTier' | 'resellerName'>,
): boolean {
  return (
    has(r.brands, f.brand) &&
    has(r.regions, f.resellerRegion) &&
    has(r.tiers, f.resellerTier) &&
    has(r.resellers, f.resellerName)
  );
}
