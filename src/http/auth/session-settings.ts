/**
 * How long a sign-in lasts, and the session cookie. A session ends at the first of: its
 * absolute lifetime (a stolen cookie is useful for a working day at most), its idle
 * timeout (a browser left open over lunch), sign-out, or the user being disabled.
 */
export interface SessionSettings {
  /** Set the cookie's Secure flag, and the __Host- name that requires it (behind HTTPS). */
  secureCookies: boolean;
  /** Absolute lifetime, from sign-in (default 12 h). */
  ttlMs: number;
  /** Ends a session not used for this long (default 2 h). */
  idleMs: number;
}

export const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;
export const DEFAULT_SESSION_IDLE_MS = 2 * 3600_000;
/** last_seen_at is written at most this often per session: not one UPDATE per request. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

export function sessionSettings(o: Partial<SessionSettings> & { secureCookies: boolean }): SessionSettings {
  return { ttlMs: DEFAULT_SESSION_TTL_MS, idleMs: DEFAULT_SESSION_IDLE_MS, ...o };
}

/** The `__Host-` prefix makes the browser refuse the cookie unless it is Secure, host-only and Path=/. */
export function sessionCookieName(s: Pick<SessionSettings, 'secureCookies'>): string {
  return s.secureCookies ? '__Host-mapwatch_session' : 'mapwatch_session';
}

export function sessionCookie(s: SessionSettings, value: string, maxAgeMs: number): string {
  const parts = [
    `${sessionCookieName(s)}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (s.secureCookies) parts.push('Secure');
  return parts.join('; ');
}

/** One cookie's value from a Cookie header (no dependency needed for one name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
