/**
 * Bot-wall / captcha detection for pages served with a 2xx status.
 *
 * Three kinds of markers:
 * - strong: only ever found on challenge pages (Cloudflare `_cf_chl_opt` / "Just a moment...",
 *   PerimeterX `px-captcha`, DataDome `captcha-delivery.com`, Akamai "Access Denied ... Reference #",
 *   Imperva/Incapsula incident pages, "Pardon Our Interruption", Sucuri).
 * - weak: generic phrases ("are you a robot", "unusual traffic", "verify you are human").
 * - widget: captcha widgets (reCAPTCHA, hCaptcha, Turnstile), which normal pages also carry
 *   (newsletter and login forms).
 *
 * Strong → bot wall, always.
 * Weak → bot wall when the page has little visible text (< 2000 chars).
 * Widget only → bot wall when the page is nearly empty (< 500 chars of visible text).
 * A product page that loads reCAPTCHA for its newsletter form has real text and is not flagged.
 *
 * A bot wall beats markup, always: product JSON-LD, microdata or a price in the text never
 * clear a page that carries a challenge marker. Anyone can put a Product with a $10 offer on
 * a captcha page (a decoy, a template left in, a hostile reseller), and reading it as a price
 * opened a false violation. Calling a real page `blocked` costs one read; calling a wall a
 * price is a false accusation.
 *
 * The visible text first: a caller that has it (fetchPage, which keeps it for the evasion check)
 * passes it in, and on a page with 2000+ chars of it only a strong marker can decide, so the weak
 * and widget patterns are not run at all and the strong ones only when one of their key words is
 * in the page (STRONG_KEY_WORDS, one scan). Same answers as without the text, on every page.
 */
import { visibleText } from './page-text.js';

export { visibleText };

export interface BotWall {
  /** Human label, e.g. 'Cloudflare challenge'. */
  vendor: string;
  strength: 'strong' | 'weak';
}

interface Marker {
  vendor: string;
  re: RegExp;
  /** Extra test, OR-ed with `re`. */
  test?: (html: string) => boolean;
}

const STRONG: Marker[] = [
  { vendor: 'Cloudflare challenge', re: /<title>\s*just a moment\.*\s*<\/title>/i },
  {
    vendor: 'Cloudflare challenge',
    re: /window\._cf_chl_opt|\bcf-chl-(?:widget|bypass|captcha|opt)|cf_chl_prog|id=["']challenge-form["']|cf-browser-verification|\/cdn-cgi\/challenge-platform\/h\/[a-z]\/orchestrate\//i,
  },
  { vendor: 'Cloudflare block', re: /<title>\s*attention required!?\s*\|\s*cloudflare\s*<\/title>/i },
  {
    vendor: 'PerimeterX/HUMAN captcha',
    re: /id=["']px-captcha["']|_pxCaptcha|captcha\.px-cdn\.net|<title>\s*access to this page has been denied\.?\s*<\/title>/i,
  },
  {
    vendor: 'DataDome captcha',
    re: /(?:geo|ct|interstitial)\.captcha-delivery\.com|\bdd\s*=\s*\{\s*['"]rt['"]\s*:\s*['"][ci]['"]/i,
  },
  {
    vendor: 'Akamai access denied',
    re: /errors\.edgesuite\.net/i,
    test: (h) => AKAMAI_TITLE.test(h) && /reference(?:&#32;|\s)+#\s*\d+(?:\.|&#46;)/i.test(h),
  },
  {
    vendor: 'Imperva/Incapsula',
    re: /incapsula incident id|request unsuccessful\. incapsula|id=["']main-iframe["'][^>]*_incapsula_resource/i,
  },
  {
    vendor: 'Distil/Imperva "Pardon Our Interruption"',
    re: /<title>\s*pardon our interruption\.*\s*<\/title>|distil_r_captcha|distilcaptchaform/i,
  },
  { vendor: 'Sucuri firewall', re: /sucuri website firewall - (?:access denied|cloudproxy)/i },
];

const WEAK: Marker[] = [
  { vendor: 'bot check ("are you a robot")', re: /are you (?:a )?(?:robot|human)\b/i },
  { vendor: 'bot check ("unusual traffic")', re: /unusual traffic/i },
  {
    vendor: 'bot check ("verify you are human")',
    re: /verify(?:ing)? (?:that )?you(?:'re| are) (?:a )?human|human verification/i,
  },
  {
    vendor: 'bot check ("security check")',
    re: /complete (?:the|a) security check|checking (?:your browser|if the site connection is secure)/i,
  },
  {
    vendor: 'bot check ("enable JavaScript and cookies")',
    re: /enable (?:javascript|js) and (?:cookies|disable any ad ?blocker)/i,
  },
  { vendor: 'bot check ("press and hold")', re: /press (?:&amp;|&|and) hold/i },
  {
    vendor: 'access denied page',
    re: /<title>\s*(?:access denied|403 forbidden|forbidden|blocked|security check|one more step)\s*<\/title>/i,
  },
];

/** Captcha widgets: on their own they only mean "this page has a form with a captcha". */
const WIDGET: Marker[] = [
  {
    vendor: 'reCAPTCHA challenge',
    re: /class=["'][^"']*\bg-recaptcha\b|google\.com\/recaptcha\/(?:api|enterprise)|recaptcha\.net\/recaptcha/i,
  },
  { vendor: 'hCaptcha challenge', re: /class=["'][^"']*\bh-captcha\b|hcaptcha\.com\/1\/api/i },
  { vendor: 'Turnstile challenge', re: /class=["'][^"']*\bcf-turnstile\b|challenges\.cloudflare\.com\/turnstile/i },
];

/** Visible text of at least this many characters means a real page, not an interstitial. */
const CONTENT_TEXT_CHARS = 2000;
/** How much of a page's head the markers and the text are looked for in. */
export const BOT_WALL_SCAN_CHARS = 1_000_000;
/** A page that is little more than a captcha widget has less visible text than this. */
const WIDGET_ONLY_TEXT_CHARS = 500;

/**
 * A key word of every STRONG pattern (each alternative of each, and Akamai's extra test, which
 * needs its title): a page none of them occurs in matches no strong marker. One case-insensitive
 * scan; the full patterns run only on the rare page it finds something in (a reCAPTCHA form or a
 * `_Incapsula_Resource` script is enough). tests/fetch-bot-wall-text.test.ts holds a sample of each
 * alternative; a new strong pattern needs a key word here.
 */
const STRONG_KEY_WORDS =
  /just a moment|cf[-_]chl|challenge|browser-verification|attention required|captcha|has been denied|edgesuite|access denied|incapsula|interruption|sucuri|['"]rt['"]/i;

/** The title test Akamai's marker adds to its pattern (a page must match it to be that wall). */
const AKAMAI_TITLE = /<title>\s*access denied\s*<\/title>/i;

/** The markers' patterns and Akamai's title (its extra test needs it) in one case-insensitive alternation. */
function anyOf(markers: readonly Marker[]): RegExp {
  return new RegExp(
    markers
      .map((m) => m.re.source)
      .concat(AKAMAI_TITLE.source)
      .map((s) => `(?:${s})`)
      .join('|'),
    'i',
  );
}

/**
 * Every marker pattern in one alternation: a page that matches none of them (nearly every page)
 * is cleared in one pass over its text instead of one pass per marker. It is a superset of the
 * markers (each pattern, and the title Akamai's extra test needs), so it never clears a page a
 * marker would flag; a page it matches goes through the markers one by one, in their order.
 */
const ANY_MARKER = anyOf([...STRONG, ...WEAK, ...WIDGET]);

/**
 * The STRONG patterns (and Akamai's title) in one alternation, the same kind of superset as
 * ANY_MARKER: a page that matches none of them matches no strong marker. A third of real pages
 * carry a strong key word ("captcha" of a login form's widget, "challenge"), and on those one
 * pass of this took 2.4 ms a page against 4.0 ms for the nine patterns one by one (issue 15).
 */
const ANY_STRONG = anyOf(STRONG);

function firstMatch(markers: Marker[], html: string): Marker | undefined {
  return markers.find((m) => m.re.test(html) || m.test?.(html) === true);
}

/** Which bot-wall vendor a page (of any status) looks like, ignoring how much content it has. */
export function botWallVendor(html: string, headers: Record<string, string> = {}): string | undefined {
  if (/challenge/i.test(headers['cf-mitigated'] ?? '')) return 'Cloudflare challenge';
  return (firstMatch(STRONG, html) ?? firstMatch(WEAK, html) ?? firstMatch(WIDGET, html))?.vendor;
}

export interface DetectBotWallOptions {
  /**
   * visibleText(page), when the caller has it already. A page with real text (2000+ chars) is
   * then judged on the strong markers alone: the weak ones need less text, the widgets less still.
   */
  text?: string;
}

/** A 2xx page that is really a bot wall / captcha, or null for an ordinary page. */
export function detectBotWall(
  page: string,
  headers: Record<string, string> = {},
  opts: DetectBotWallOptions = {},
): BotWall | null {
  if (/challenge/i.test(headers['cf-mitigated'] ?? '')) return { vendor: 'Cloudflare challenge', strength: 'strong' };
  // Bot walls are small: the markers and the text are looked for in the first 1 MB only, so a
  // 5 MB page costs no more than a 1 MB one (every marker pattern runs over what is scanned).
  const html = page.length > BOT_WALL_SCAN_CHARS ? page.slice(0, BOT_WALL_SCAN_CHARS) : page;
  // The text given is the whole page's: the scanned head's only when nothing was cut off.
  const known = html === page ? opts.text : undefined;
  if (known !== undefined && known.length >= CONTENT_TEXT_CHARS) {
    if (!STRONG_KEY_WORDS.test(html) || !ANY_STRONG.test(html)) return null;
    const strong = firstMatch(STRONG, html);
    return strong ? { vendor: strong.vendor, strength: 'strong' } : null;
  }
  if (!ANY_MARKER.test(html)) return null;
  const strong = firstMatch(STRONG, html);
  const weak = strong ? undefined : firstMatch(WEAK, html);
  const widget = strong || weak ? undefined : firstMatch(WIDGET, html);
  if (!strong && !weak && !widget) return null;

  if (strong) return { vendor: strong.vendor, strength: 'strong' };
  const text = known ?? visibleText(html);
  if (weak) return text.length < CONTENT_TEXT_CHARS ? { vendor: weak.vendor, strength: 'weak' } : null;
  return text.length < WIDGET_ONLY_TEXT_CHARS ? { vendor: widget!.vendor, strength: 'weak' } : null;
}
