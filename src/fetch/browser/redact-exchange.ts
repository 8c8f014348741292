/**
 * Takes credentials out of recorded HTTP exchanges before they are written anywhere (the
 * WARC goes into bundles that are sent to resellers): Cookie, Set-Cookie, Authorization and
 * every header the site config sets, secret-looking query parameters (a login form sent by
 * GET puts the password in the URL), and every known secret value (what the login steps
 * typed) wherever it appears in a URL, a header or a body.
 *
 * A redacted value is replaced by `REDACTED-sha256-<hex of the value>`, so whoever holds the
 * value can still show that it is the one that was sent, and each redaction is listed (where,
 * and that hash) for the evidence manifest.
 */
import { createHash } from 'node:crypto';
import type { Exchange } from './render-page.js';

export interface Redaction {
  /** e.g. "request header cookie", "url query parameter password", "response body". */
  where: string;
  url: string;
  sha256: string;
}

export interface RedactOptions {
  /** Values typed or sent as credentials (login fills, value_env fills, configured header values). */
  secrets?: readonly string[];
  /** Header names the site config sets: their values are redacted whatever their name. */
  configuredHeaders?: readonly string[];
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'set-cookie2']);
const SECRET_HEADER_NAME = /(^|-)(auth|authorization|token|secret|session|api-?key|password|passwd|credential)s?($|-)/i;
const SECRET_PARAM =
  /^(pass|passwd|password|passcode|pwd|secret|token|access_token|id_token|api_?key|auth|session|sessionid|otp)$/i;
/** Shorter values are not searched for in free text: too many innocent matches. */
const MIN_SECRET_LENGTH = 4;

export function sha256Of(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

const TOKEN_PREFIX = 'REDACTED-sha256-';

export function redactedToken(value: string): string {
  return `${TOKEN_PREFIX}${sha256Of(value)}`;
}

/** The forms a secret takes on the wire: as is, percent-encoded, form-encoded. */
function encodings(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')]);
  return [...forms];
}

function replaceAll(text: string, secrets: readonly string[], onHit: (secret: string) => void): string {
  let out = text;
  for (const s of secrets) {
    for (const form of encodings(s)) {
      if (!out.includes(form)) continue;
      out = out.split(form).join(redactedToken(s));
      onHit(s);
    }
  }
  return out;
}

function replaceInBuffer(body: Buffer, secrets: readonly string[], onHit: (secret: string) => void): Buffer {
  let out = body;
  for (const s of secrets) {
    for (const form of encodings(s)) {
      const needle = Buffer.from(form);
      if (out.indexOf(needle) < 0) continue;
      const token = Buffer.from(redactedToken(s));
      const parts: Buffer[] = [];
      let from = 0;
      for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, from)) {
        parts.push(out.subarray(from, at), token);
        from = at + needle.length;
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
      onHit(s);
    }
  }
  return out;
}

export function redactExchange(ex: Exchange, opts: RedactOptions = {}): Exchange {
  const secrets = [...new Set((opts.secrets ?? []).filter((s) => s.length >= MIN_SECRET_LENGTH))];
  const configured = new Set((opts.configuredHeaders ?? []).map((h) => h.toLowerCase()));
  const redactions: Redaction[] = [...(ex.redactions ?? [])];
  const note = (where: string, value: string) => redactions.push({ where, url: '', sha256: sha256Of(value) });

  const headers = (h: Record<string, string>, side: 'request' | 'response') => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) {
      const name = k.toLowerCase();
      if (SECRET_HEADERS.has(name) || configured.has(name) || SECRET_HEADER_NAME.test(name)) {
        // Playwright joins repeated headers (several Set-Cookie) with newlines: one hash per value.
        const values = String(v).split('\n');
        out[k] = values
          .map((one) => {
            if (one.startsWith(TOKEN_PREFIX)) return one; // redacted earlier
            note(`${side} header ${name}`, one);
            return redactedToken(one);
          })
          .join('\n');
      } else out[k] = replaceAll(String(v), secrets, (s) => note(`${side} header ${name}`, s));
    }
    return out;
  };

  let url = ex.url;
  try {
    const u = new URL(ex.url);
    let changed = false;
    for (const [name, value] of [...u.searchParams]) {
      if (!SECRET_PARAM.test(name) || !value || value.startsWith(TOKEN_PREFIX)) continue;
      note(`url query parameter ${name}`, value);
      u.searchParams.set(name, redactedToken(value));
      changed = true;
    }
    if (u.password && !u.password.startsWith(TOKEN_PREFIX)) {
      note('url password', decodeURIComponent(u.password));
      u.password = redactedToken(decodeURIComponent(u.password));
      changed = true;
    }
    url = changed ? u.href : ex.url;
  } catch {
    // not a URL we can parse: the free-text pass below still applies
  }
  url = replaceAll(url, secrets, (s) => note('url', s));

  const requestHeaders = headers(ex.requestHeaders, 'request');
  const responseHeaders = headers(ex.responseHeaders, 'response');
  const body = ex.body ? replaceInBuffer(ex.body, secrets, (s) => note('response body', s)) : ex.body;
  return {
    ...ex,
    url,
    requestHeaders,
    responseHeaders,
    body,
    redactions: redactions.map((r) => ({ ...r, url: r.url || url })),
  };
}
