/** HTML-escape untrusted text (reseller page content, URLs) for the summary and the banner. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '')
    .replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}
