/**
 * One origin's parsed robots.txt, with a memo of its last decision: a sweep asks about many URLs
 * on one host, and fetchPage asks twice per URL (the cached verdict before the gate, the check
 * after it). robots-parser re-parses the URL and runs every rule's matcher on each call.
 *
 * The memo is exact. When every rule is a plain prefix (no `*`, no `$`, no `%`, only characters
 * robots-parser's encodeURI leaves as they are, so a rule is matched as written), the rules that
 * match a path P are decided by P's first k+1 characters, k being the longest common prefix of
 * P with any rule: a rule matching P is at most k long, and a rule matching a path that agrees
 * with P on k+1 characters would share more than k with P. So the decision for P holds for every
 * path that starts with those k+1 characters (on a store whose robots.txt disallows /checkout,
 * for every /products/... URL at once). Otherwise the memo holds for the very same path only.
 * The rules are read from the robots.txt text here, loosely: every line that is not a
 * user-agent, sitemap, host or crawl-delay line counts, a superset of robots-parser's rules
 * (which can only make the prefix longer, never wrong).
 */
import robotsParserModule from 'robots-parser';

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
}
// robots-parser is CommonJS (`module.exports = fn`) while its typings declare a default export;
// under NodeNext the two disagree, so take whichever shape is there at runtime.
const robotsParser: (url: string, contents: string) => Robot =
  (robotsParserModule as unknown as { default?: (u: string, c: string) => Robot }).default ??
  (robotsParserModule as unknown as (u: string, c: string) => Robot);

/** Lines that hold no path rule. */
const NOT_RULES = new Set(['user-agent', 'sitemap', 'host', 'crawl-delay']);
/** Characters encodeURI keeps (minus `*`, `$`, `%`, which robots-parser reads specially). */
const PLAIN = /^[A-Za-z0-9\-_.!~'();/?:@&=+,]*$/;

/** Every rule's path when all are plain prefixes; null when any is not. */
export function plainRulePaths(text: string): string[] | null {
  const paths: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const hash = raw.indexOf('#');
    const line = hash === -1 ? raw : raw.slice(0, hash);
    const colon = line.indexOf(':');
    if (colon === -1 || NOT_RULES.has(line.slice(0, colon).trim().toLowerCase())) continue;
    const path = line.slice(colon + 1).trim();
    if (!PLAIN.test(path)) return null;
    if (path) paths.push(path);
  }
  return paths;
}

interface Memo {
  token: string;
  /** The path's first `chars` characters (the whole path when it is shorter). */
  key: string;
  chars: number;
  allowed: boolean | undefined;
}

export class RobotRules {
  private readonly robot: Robot;
  private readonly plainPaths: string[] | null;
  private memo: Memo | undefined;

  constructor(robotsUrl: string, text: string) {
    this.robot = robotsParser(robotsUrl, text);
    this.plainPaths = plainRulePaths(text);
  }

  /** robots-parser's answer for a URL of this origin (false: disallowed). */
  isAllowed(url: URL, token: string): boolean | undefined {
    const path = url.pathname + url.search;
    const m = this.memo;
    if (m && m.token === token && (m.key.length === m.chars ? path.startsWith(m.key) : path === m.key)) {
      return m.allowed;
    }
    const allowed = this.robot.isAllowed(url.href, token);
    const chars = this.plainPaths ? decidingChars(this.plainPaths, path) : Infinity;
    this.memo = { token, key: path.slice(0, chars), chars, allowed };
    return allowed;
  }
}

/** 1 + the longest common prefix of `path` with any of `rules`. */
function decidingChars(rules: readonly string[], path: string): number {
  let k = 0;
  for (const r of rules) {
    const n = Math.min(r.length, path.length);
    let i = 0;
    while (i < n && r.charCodeAt(i) === path.charCodeAt(i)) i++;
    if (i > k) k = i;
  }
  return k + 1;
}
