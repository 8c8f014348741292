/** HTML escaping for every string that reaches an email; page text is attacker-controlled. */
const MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Control characters (ANSI escapes, bidi overrides that disguise text) have no place in a mail.
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function plainText(s: string | null | undefined): string {
  return (s ?? '').replace(CONTROLS, '');
}

export function escapeHtml(s: string | null | undefined): string {
  return plainText(s).replace(/[&<>"']/g, (c) => MAP[c]!);
}

/** A URL for an href: only http(s), escaped; anything else becomes inert text. */
export function safeHref(url: string): string {
  return /^https?:\/\//i.test(url) ? escapeHtml(url) : '#';
}
