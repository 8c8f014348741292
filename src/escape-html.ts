/**
 * The one HTML escaper for everything mapwatch renders: emails, the evidence summary and
 * the screenshot banner. Reseller page text, product names and URLs are attacker-controlled.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Old IE treated a backtick as an attribute quote; escaping it costs nothing.
  '`': '&#96;',
};

// Control characters (ANSI escapes, C1 controls, bidi overrides that disguise text) have no
// place in a mail or a document shown in a dispute; tab, newline and carriage return stay.
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text with control characters removed, for plain-text output. */
export function plainText(s: unknown): string {
  return (s === null || s === undefined ? '' : String(s)).replace(CONTROLS, '');
}

export function escapeHtml(s: unknown): string {
  return plainText(s).replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

/** A URL for an href: only http(s), escaped; anything else becomes inert text. */
export function safeHref(url: string): string {
  return /^https?:\/\//i.test(url) ? escapeHtml(url) : '#';
}
