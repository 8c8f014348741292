/**
 * RobotRules: robots-parser behind a memo of its last decision, reused for every path that
 * starts with the characters that decided it (when every rule is a plain prefix). The memo must
 * never change an answer: each is compared with a fresh robots-parser call, over URL sequences
 * in which the memo is hit and missed, with Allow/Disallow precedence of every kind.
 */
import robotsParserModule from 'robots-parser';
import { describe, expect, it, vi } from 'vitest';
import { plainRulePaths, RobotRules } from '../src/fetch/robots-rules.js';

type Parse = (url: string, text: string) => { isAllowed(url: string, ua?: string): boolean | undefined };
const robotsParser: Parse =
  (robotsParserModule as unknown as { default?: Parse }).default ?? (robotsParserModule as unknown as Parse);

const ORIGIN = 'https://shop.example';
const ROBOTS_URL = `${ORIGIN}/robots.txt`;

/** Ask `rules` about every path in order; each answer must be robots-parser's own. */
function expectSameAnswers(text: string, paths: string[], tokens = ['mapwatch']): void {
  const rules = new RobotRules(ROBOTS_URL, text);
  const reference = robotsParser(ROBOTS_URL, text);
  // Token by token (a change of token is a miss), then the tokens interleaved.
  const asks: [string, string][] = [
    ...tokens.flatMap((t) => paths.map((p): [string, string] => [t, p])),
    ...paths.flatMap((p) => tokens.map((t): [string, string] => [t, p])),
  ];
  for (const [token, path] of asks) {
    const url = new URL(path, ORIGIN);
    expect(rules.isAllowed(url, token), `${JSON.stringify(text)} ${token} ${path}`).toBe(
      reference.isAllowed(url.href, token),
    );
  }
}

const PRECEDENCE: [string, string, [string, boolean][]][] = [
  [
    'the longest match wins',
    'User-agent: *\nDisallow: /shop\nAllow: /shop/widgets\nDisallow: /shop/widgets/secret',
    [
      ['/shop', false],
      ['/shop/gadgets', false],
      ['/shop/widgets', true],
      ['/shop/widgets/1', true],
      ['/shop/widgets/secret', false],
      ['/shop/widgets/secret/2', false],
      ['/shop/widgets/secre', true],
      ['/sho', true],
      ['/other', true],
    ],
  ],
  [
    'an Allow deeper than the Disallow',
    'User-agent: *\nDisallow: /a\nAllow: /a/b/c',
    [
      ['/a/b/x', false],
      ['/a/b/c', true],
      ['/a/b/c/d', true],
      ['/a/b', false],
      ['/a', false],
      ['/b', true],
    ],
  ],
  [
    'Allow wins a tie of equal length',
    'User-agent: *\nDisallow: /p\nAllow: /p\nDisallow: /page\nAllow: /page',
    [
      ['/p', true],
      ['/p1', true],
      ['/page', true],
      ['/pages/x', true],
    ],
  ],
  [
    'Disallow longer than Allow',
    'User-agent: *\nAllow: /\nDisallow: /checkout\nDisallow: /cart?',
    [
      ['/', true],
      ['/products/a', true],
      ['/checkout', false],
      ['/checkout/step', false],
      ['/checkou', true],
      ['/cart', true],
      ['/cart?x=1', false],
    ],
  ],
  [
    'our own group over the * group',
    'User-agent: *\nDisallow: /\n\nUser-agent: mapwatch\nDisallow: /private\nAllow: /private/ok',
    [
      ['/products/a', true],
      ['/private', false],
      ['/private/ok/1', true],
      ['/privat', true],
    ],
  ],
];

describe('RobotRules', () => {
  it.each(PRECEDENCE)('%s', (_name, text, cases) => {
    const rules = new RobotRules(ROBOTS_URL, text);
    // Twice through, forwards and backwards, so each answer is given both fresh and from the memo.
    for (const order of [cases, [...cases].reverse(), cases]) {
      for (const [path, allowed] of order) {
        expect(rules.isAllowed(new URL(path, ORIGIN), 'mapwatch'), path).toBe(allowed);
      }
    }
    expectSameAnswers(
      text,
      [...cases, ...cases.slice().reverse()].map(([p]) => p),
      ['mapwatch', 'otherbot'],
    );
  });

  it('reads the rule paths, and knows when they are not plain prefixes', () => {
    expect(plainRulePaths('User-agent: *\nDisallow: /checkout # no\nAllow: /a\nSitemap: https://x/s.xml\n')).toEqual([
      '/checkout',
      '/a',
    ]);
    expect(plainRulePaths('User-agent: *\nDisallow: /*?sort=')).toBeNull();
    expect(plainRulePaths('User-agent: *\nDisallow: /a$')).toBeNull();
    expect(plainRulePaths('User-agent: *\nDisallow: /%7Euser')).toBeNull();
    expect(plainRulePaths('User-agent: *\nDisallow: /café')).toBeNull();
    // trim() drops a byte-order mark, in robots-parser too: the line is a user-agent line to both.
    expect(plainRulePaths('\uFEFFUser-agent: *\nDisallow: /a')).toEqual(['/a']);
    expect(plainRulePaths('User-agent: *\nNoindex: /x y')).toBeNull(); // an unknown line counts, to be safe
  });

  it('asks robots-parser once for a sweep of one store whose rules cannot tell its pages apart', () => {
    const rules = new RobotRules(ROBOTS_URL, 'User-agent: *\nDisallow: /checkout\n');
    const proto = Object.getPrototypeOf(robotsParser(ROBOTS_URL, '')) as { isAllowed: () => boolean };
    const spy = vi.spyOn(proto, 'isAllowed');
    try {
      for (let n = 0; n < 50; n++) {
        const url = new URL(`/products/widget-${n}?variant=${n % 3}`, ORIGIN);
        expect(rules.isAllowed(url, 'mapwatch')).toBe(true);
        expect(rules.isAllowed(url, 'mapwatch')).toBe(true); // fetchPage asks twice per URL
      }
      expect(spy).toHaveBeenCalledTimes(1);
      expect(rules.isAllowed(new URL('/checkout/1', ORIGIN), 'mapwatch')).toBe(false);
      expect(spy).toHaveBeenCalledTimes(2);
      // With a wildcard rule the memo holds for the very same URL only.
      const wild = new RobotRules(ROBOTS_URL, 'User-agent: *\nDisallow: /*?sort=\n');
      for (let n = 0; n < 5; n++) {
        const url = new URL(`/products/widget-${n}`, ORIGIN);
        expect(wild.isAllowed(url, 'mapwatch')).toBe(true);
        expect(wild.isAllowed(url, 'mapwatch')).toBe(true);
      }
      expect(spy).toHaveBeenCalledTimes(7);
    } finally {
      spy.mockRestore();
    }
  });

  it('gives robots-parser’s answers on generated rules and URL sequences', () => {
    let seed = 9;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const SEGMENTS = [
      '/p',
      '/products',
      '/products/',
      '/pro',
      'a',
      'ab',
      '-1',
      '/x',
      '?',
      '?q=1',
      '&s',
      '/',
      'A',
      '%41',
      '%4a',
      '%4A',
      'é',
      '*',
      '$',
      ';',
      ' ',
    ];
    const plainOnly = SEGMENTS.filter((s) => /^[A-Za-z0-9\-_.!~'();/?:@&=+,]*$/.test(s));
    const path = (parts: readonly string[]) =>
      '/' +
      Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(parts))
        .join('')
        .replace(/^\/+/, '');
    let plainFiles = 0;
    for (let f = 0; f < 300; f++) {
      const parts = f % 2 ? plainOnly : SEGMENTS;
      const lines = ['User-agent: *'];
      for (let r = Math.floor(rand() * 6); r > 0; r--)
        lines.push(`${pick(['Allow', 'Disallow', 'disallow'])}: ${path(parts)}`);
      if (rand() < 0.3) lines.push('', 'User-agent: mapwatch', `Disallow: ${path(parts)}`, `Allow: ${path(parts)}`);
      const text = lines.join('\n');
      if (plainRulePaths(text)) plainFiles++;
      // URLs near the rules (a rule cut short or run on), and in sorted order too, so that
      // neighbours share long prefixes and differ just where a rule starts or stops matching.
      const rulePaths = lines.filter((l) => /allow: /i.test(l)).map((l) => l.slice(l.indexOf(':') + 2));
      const near = () => {
        const r = pick(rulePaths);
        return r.slice(0, Math.floor(rand() * (r.length + 1))) + (rand() < 0.5 ? '' : pick(SEGMENTS));
      };
      const urls = Array.from({ length: 40 }, () =>
        rulePaths.length && rand() < 0.6 ? '/' + near().replace(/^\/+/, '') : path(rand() < 0.5 ? plainOnly : SEGMENTS),
      );
      const sorted = [...urls].sort();
      expectSameAnswers(text, [...urls, ...sorted, ...sorted.reverse()], ['mapwatch', 'otherbot']);
    }
    expect(plainFiles).toBeGreaterThan(100); // the prefix memo was exercised, not only the exact one
  });
});
