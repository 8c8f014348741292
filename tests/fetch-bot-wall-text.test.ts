/**
 * detectBotWall given the page's visible text (the way fetchPage calls it): a page with 2000+
 * chars of text is judged on the strong markers alone, behind a key-word prefilter. It must
 * give the same answer as the check without the text, on walls and on ordinary pages.
 */
import { describe, expect, it } from 'vitest';
import { BOT_WALL_SCAN_CHARS, detectBotWall, visibleText } from '../src/fetch/bot-wall.js';
import { loadPages, MANIFESTS, readHtml } from './support/corpus.js';

const withText = (page: string) => detectBotWall(page, {}, { text: visibleText(page) });
const LONG_TEXT = `<p>${'Solid steel, powder coated, made to last. '.repeat(60)}</p>`;
const product = (extra: string) =>
  `<html><head><title>Widget</title></head><body><h1>Widget</h1>${LONG_TEXT}${extra}</body></html>`;

/** One sample of every alternative of every strong pattern (and Akamai's title test). */
const STRONG_SAMPLES: [string, string][] = [
  ['<title>Just a moment...</title>', 'Cloudflare challenge'],
  ['<script>window._cf_chl_opt={cvId:"3"}</script>', 'Cloudflare challenge'],
  ['<div class="cf-chl-widget-x1"></div>', 'Cloudflare challenge'],
  ['<script>var cf_chl_prog="x"</script>', 'Cloudflare challenge'],
  ['<form id="challenge-form" action="/"></form>', 'Cloudflare challenge'],
  ['<div id="cf-browser-verification"></div>', 'Cloudflare challenge'],
  ['<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1"></script>', 'Cloudflare challenge'],
  ['<TITLE>Attention Required! | Cloudflare</TITLE>', 'Cloudflare block'],
  ['<div id="px-captcha"></div>', 'PerimeterX/HUMAN captcha'],
  ['<script>window._pxCaptcha=1</script>', 'PerimeterX/HUMAN captcha'],
  ['<script src="https://captcha.px-cdn.net/PX1/captcha.js"></script>', 'PerimeterX/HUMAN captcha'],
  ['<title>Access to this page has been denied.</title>', 'PerimeterX/HUMAN captcha'],
  ['<iframe src="https://geo.captcha-delivery.com/captcha/?i=1"></iframe>', 'DataDome captcha'],
  ["<script>var dd={'rt':'c','cid':'AHrl'}</script>", 'DataDome captcha'],
  ['<script>var dd = { "rt" : "i" }</script>', 'DataDome captcha'],
  ['<a href="https://errors.edgesuite.net/18.2f">more</a>', 'Akamai access denied'],
  ['<title>Access Denied</title><p>Reference&#32;#18&#46;2f1e3e17</p>', 'Akamai access denied'],
  ['<p>Incapsula incident ID: 1234</p>', 'Imperva/Incapsula'],
  ['<p>Request unsuccessful. Incapsula</p>', 'Imperva/Incapsula'],
  ['<iframe id="main-iframe" src="/_Incapsula_Resource?x=1"></iframe>', 'Imperva/Incapsula'],
  ['<title>Pardon Our Interruption</title>', 'Distil/Imperva "Pardon Our Interruption"'],
  ['<div id="distil_r_captcha"></div>', 'Distil/Imperva "Pardon Our Interruption"'],
  ['<form id="distilCaptchaForm"></form>', 'Distil/Imperva "Pardon Our Interruption"'],
  ['<h2>Sucuri WebSite Firewall - Access Denied</h2>', 'Sucuri firewall'],
  ['<h2>SUCURI WEBSITE FIREWALL - CLOUDPROXY</h2>', 'Sucuri firewall'],
];

/** Ordinary pages (and a weak or widget marker on a page with real text): never walls. */
const ORDINARY: [string, string][] = [
  ['a product page', product('')],
  [
    'a newsletter reCAPTCHA',
    product('<div class="g-recaptcha"></div><script src="https://www.google.com/recaptcha/api.js">'),
  ],
  [
    'an hCaptcha login form',
    product('<div class="h-captcha"></div><script src="https://hcaptcha.com/1/api.js"></script>'),
  ],
  ['unusual traffic in an article', product('<p>We saw unusual traffic during the sale. Are you a robot? No.</p>')],
  [
    'the Cloudflare JS detection script',
    product('<script src="/cdn-cgi/challenge-platform/h/b/scripts/jsd/a/main.js">'),
  ],
  ['the DataDome tag', product('<script src="https://js.datadome.co/tags.js"></script>')],
  ['an Akamai title without a reference', product('').replace('<title>Widget</title>', '<title>Access Denied</title>')],
  ['a title saying security check', product('').replace('<title>Widget</title>', '<title>Security Check</title>')],
  ['"a challenge" in the copy', product('<p>Take the 30-day challenge. Hard word: captcha.</p>')],
];

describe('detectBotWall with the visible text given', () => {
  it.each(STRONG_SAMPLES)('flags %s on a page with plenty of text', (marker, vendor) => {
    const page = product(marker);
    expect(visibleText(page).length).toBeGreaterThanOrEqual(2000);
    expect(withText(page)).toEqual({ vendor, strength: 'strong' });
    expect(withText(page)).toEqual(detectBotWall(page));
  });

  it.each(STRONG_SAMPLES)('flags %s on a bare page too', (marker, vendor) => {
    const page = `<html><body>${marker}</body></html>`;
    expect(withText(page)).toEqual({ vendor, strength: 'strong' });
  });

  it.each(ORDINARY)('does not flag %s', (_name, page) => {
    expect(withText(page)).toBeNull();
    expect(detectBotWall(page)).toBeNull();
  });

  it('keeps the weak and widget rules on pages with little text', () => {
    const captchaOnly = '<html><body><form><div class="h-captcha"></div></form></body></html>';
    expect(withText(captchaOnly)).toEqual({ vendor: 'hCaptcha challenge', strength: 'weak' });
    const robot = '<html><body><h4>Are you a robot?</h4><p>' + 'word '.repeat(200) + '</p></body></html>';
    expect(withText(robot)).toEqual({ vendor: 'bot check ("are you a robot")', strength: 'weak' });
    // A widget with 500+ chars of text is a form on a page, not a wall; a weak phrase still is.
    const widgetPage = '<html><body><div class="g-recaptcha"></div><p>' + 'word '.repeat(200) + '</p></body></html>';
    expect(withText(widgetPage)).toBeNull();
    expect(detectBotWall(widgetPage)).toBeNull();
  });

  it('ignores a given text when the page is longer than the scanned head', () => {
    // The text of the whole page is not the text of its first BOT_WALL_SCAN_CHARS.
    const page =
      '<p>unusual traffic</p><script>' + 'x'.repeat(BOT_WALL_SCAN_CHARS) + '</script><p>' + 'y '.repeat(2000);
    expect(visibleText(page).length).toBeGreaterThan(2000);
    expect(withText(page)).toEqual({ vendor: 'bot check ("unusual traffic")', strength: 'weak' });
    expect(withText(page)).toEqual(detectBotWall(page));
  });

  it('gives the same answer as without the text on every corpus page', () => {
    let pages = 0;
    for (const manifest of MANIFESTS) {
      for (const p of loadPages(manifest)) {
        const html = readHtml(p.file);
        expect(withText(html), p.file).toEqual(detectBotWall(html));
        pages++;
      }
    }
    expect(pages).toBeGreaterThan(20);
  });
});
