/**
 * The fetch's rough visible text (src/fetch/page-text.ts), what the bot-wall and MAP-evasion checks
 * read: script, style, template, svg and noscript bodies are never text, whatever the case of
 * their tags, and a character that lower-cases to two ("İ", Turkish pages) does not shift the scan.
 */
import { describe, expect, it } from 'vitest';
import { visibleText } from '../src/fetch/page-text.js';

describe('visibleText', () => {
  it('drops tags, comments, raw-text bodies and entities, and collapses whitespace', () => {
    const html = `<html><head><title>Shop</title><style>.a{}</style></head><body>
      <!-- note --><h1>Widget&nbsp;One</h1><script>var p = "add to cart to see price";</script>
      <template><p>later</p></template><svg><text>icon</text></svg><noscript>enable JS</noscript>
      <p>In   stock</p></body></html>`;
    expect(visibleText(html)).toBe('Shop Widget One In stock');
  });

  it('finds raw-text tags in any case, and their closing tags in any case', () => {
    const html = '<BODY><P>Before</P><SCRIPT type="x">secret()</Script><Style>.b{}</STYLE><p>After</p></BODY>';
    expect(visibleText(html)).toBe('Before After');
  });

  it('is not shifted by characters whose lower case is longer (İ → i̇)', () => {
    const turkish = 'İİİ İndirim';
    const html = `<body><p>${turkish}</p><script>window.dataLayer = ["kod"];</script><p>Sepete ekle</p></body>`;
    expect(visibleText(html)).toBe(`${turkish} Sepete ekle`);
  });

  it('keeps a self-closed raw-text tag from hiding the text after it', () => {
    expect(visibleText('<p>One</p><script src="a.js"/><p>Two</p>')).toBe('One Two');
  });

  it('stops at an unclosed script, as a browser would treat the rest as its code', () => {
    expect(visibleText('<p>Shown</p><script>var a = 1; <p>not text</p>')).toBe('Shown');
  });
});
