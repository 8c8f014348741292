/**
 * The crawler's identity: the default User-Agent, the robots.txt product token, and the
 * request headers every fetch sends.
 */
import { readFileSync } from 'node:fs';

function findVersion(): string {
  // src/fetch/*.ts, dist/fetch/*.js and dist/src/fetch/*.js all sit 2–3 levels below package.json.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'mapwatch' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const MAPWATCH_VERSION = findVersion();
export const DEFAULT_USER_AGENT = `mapwatch/${MAPWATCH_VERSION} (+https://github.com/mapwatch/mapwatch; price-compliance monitor)`;

/** The robots.txt product token of a User-Agent: its first product name ("mapwatch/0.1 (...)" → "mapwatch"). */
export function robotsToken(userAgent: string): string {
  const token = /^\s*([A-Za-z0-9_.-]+)/.exec(userAgent)?.[1];
  return token ? token.toLowerCase() : '*';
}

/** Headers the fetch layer owns: callers may not override these. */
const OWNED = new Set([
  'accept-encoding',
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'keep-alive',
]);

/**
 * Request headers: defaults, then the caller's headers (names lower-cased), then the user agent.
 * An explicit `userAgent` wins over a `User-Agent` in `headers`; with neither, the default is used.
 */
export function buildRequestHeaders(
  userAgent: string | undefined,
  headers: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {
    accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
    'accept-language': 'en-US,en;q=0.8',
  };
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (!OWNED.has(name)) out[name] = v;
  }
  out['user-agent'] = userAgent ?? out['user-agent'] ?? DEFAULT_USER_AGENT;
  out['accept-encoding'] = 'gzip, deflate, br';
  return out;
}

/** Headers that must not follow a redirect to another origin. */
export function stripCredentials(headers: Record<string, string>): Record<string, string> {
  const out = { ...headers };
  delete out['authorization'];
  delete out['cookie'];
  delete out['proxy-authorization'];
  return out;
}
