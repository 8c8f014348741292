/** One HTML escaper (src/escape-html.ts) behind mail, the evidence summary and the screenshot banner. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { escapeHtml, plainText, safeHref } from '../src/escape-html.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('escapeHtml', () => {
  it('is defined once in src/', () => {
    const defining = sources(src).filter((f) =>
      /\bfunction\s+escape(Html|HTML)\b|\bconst\s+escape(Html|HTML)\s*=/.test(fs.readFileSync(f, 'utf8')),
    );
    expect(defining.map((f) => path.relative(src, f))).toEqual(['escape-html.ts']);
  });

  it('escapes markup and quotes, and drops controls and bidi overrides', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
    // "exe.pdf" disguised with a right-to-left override; an ANSI colour; a C1 control.
    expect(escapeHtml('invoice\u202efdp.exe \u001b[31mred\u0085')).toBe('invoicefdp.exe [31mred');
    expect(plainText('tab\tnew\nline\u0007')).toBe('tab\tnew\nline');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(12)).toBe('12');
  });

  it('only lets http(s) URLs into an href', () => {
    expect(safeHref('https://shop.example/p?a=1&b=2')).toBe('https://shop.example/p?a=1&amp;b=2');
    expect(safeHref('javascript:alert(1)')).toBe('#');
  });
});
