/**
 * Jurisdiction guard: resale price maintenance is restricted in some places (in the EU/EEA
 * a supplier may not pressure a reseller over its resale price), so notices to resellers
 * there are never sent. mapwatch records the reason on the case instead.
 */
const EU = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
];
const GROUPS: Record<string, readonly string[]> = { EU, EEA: [...EU, 'IS', 'LI', 'NO'] };

export type GuardResult = { allowed: true } | { allowed: false; reason: string };

export function noticeAllowed(
  region: string | null,
  blockedRegions: readonly string[],
  blockedReason: string,
): GuardResult {
  const r = region?.trim().toUpperCase();
  if (!r)
    return {
      allowed: false,
      reason:
        'the reseller has no region on file, so the jurisdiction guard cannot clear it; set `region` in resellers.csv',
    };
  for (const entry of blockedRegions) {
    const e = entry.trim().toUpperCase();
    if (r === e || GROUPS[e]?.includes(r))
      return { allowed: false, reason: `notices are off for region ${r} (${e}): ${blockedReason}` };
  }
  return { allowed: true };
}
