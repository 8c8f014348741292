/**
 * Entries of MAPWATCH_ALLOW_PRIVATE (the private addresses the crawler may fetch): an IP,
 * a CIDR, a host name or a `*.suffix`. Anything else is refused with the reason: before,
 * "10.0.0.0/99" fell through to "host name" and silently allowed nothing, so the user
 * believed a range was open (or, worse, a typo in a range went unseen).
 */
import { isIP } from 'node:net';

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

function hostProblem(host: string): string | null {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (/:\d+$/.test(h) && !h.includes('::')) return 'has a port; list the host or address alone';
  if (!h || h.length > 253 || !h.split('.').every((l) => LABEL.test(l)))
    return 'is not an IP address, a CIDR range (10.1.0.0/16), a host name (localhost) or a *.suffix';
  return null;
}

/** Null when `entry` is a valid allow-list entry, else why not. */
export function allowEntryProblem(entry: string): string | null {
  const e = entry.trim();
  const bare = e.startsWith('[') && e.includes(']') ? e.replace(/^\[([^\]]*)\]/, '$1') : e;
  if (bare.includes('/')) {
    const [addr = '', len, extra] = bare.split('/');
    const family = isIP(addr);
    if (extra !== undefined) return 'is not a valid CIDR range: it has more than one "/"';
    if (!family) return `is not a valid CIDR range: "${addr}" is not an IP address`;
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(len ?? '') || Number(len) > max)
      return `is not a valid CIDR range: the prefix length must be 0 to ${max} for IPv${family}`;
    return null;
  }
  if (isIP(bare.replace(/%.*$/, ''))) return null;
  // Digits and dots only, or a colon: meant as an address, so a name would never match it.
  if (/^[\d.]+$/.test(bare) || (bare.includes(':') && !/^[^:]+:\d+$/.test(bare))) return 'is not a valid IP address';
  if (bare.startsWith('*.')) return hostProblem(bare.slice(2));
  return hostProblem(bare);
}
