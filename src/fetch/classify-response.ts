/**
 * Classification of an HTTP response before and after its body is read:
 * status code → blocked/error, Retry-After, and whether the content is an HTML page.
 * Bot-wall detection of 2xx pages lives in bot-wall.ts.
 */
import { STATUS_CODES } from 'node:http';

export interface StatusVerdict {
  status: 'blocked' | 'error';
  reason: string;
  retryable: boolean;
}

/** Statuses that mean "the site refuses this crawler right now": never parse these for a price. */
const BLOCKED: Record<number, boolean> = { 401: false, 403: false, 429: true, 503: true };

/** Verdict for a non-2xx final status (redirects are followed before this), or null for 2xx. */
export function classifyStatus(status: number, statusText?: string): StatusVerdict | null {
  if (status >= 200 && status < 300) return null;
  const text = statusText || STATUS_CODES[status] || 'Unknown';
  const reason = `http_${status}: ${text}`;
  const blockedRetryable = BLOCKED[status];
  if (blockedRetryable !== undefined) return { status: 'blocked', reason, retryable: blockedRetryable };
  if (status >= 500) return { status: 'error', reason, retryable: true };
  // 408 Request Timeout and 425 Too Early are worth another try; other 4xx (and stray 1xx/3xx) are not.
  return { status: 'error', reason, retryable: status === 408 || status === 425 };
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP-date.
 * Undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t || undefined;
}

/**
 * 'html' for text/html and XHTML, 'unknown' when there is no usable Content-Type
 * (sniff the body), 'not_html' for anything else (pdf, json, images, xml, text/plain...).
 */
export function htmlContentType(contentType: string | undefined): 'html' | 'not_html' | 'unknown' {
  const t = mediaType(contentType);
  if (!t || t === 'application/octet-stream' || t === 'unknown/unknown' || !t.includes('/')) return 'unknown';
  if (t === 'text/html' || t === 'application/xhtml+xml' || t === 'application/vnd.wap.xhtml+xml') return 'html';
  return 'not_html';
}

/** Whether a body without a Content-Type looks like an HTML document. */
export function sniffHtml(body: Uint8Array): boolean {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, 1024))
    .toString('latin1')
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase();
  return /^(<!doctype html|<html|<head|<body)/.test(head) || /<html[\s>]/.test(head);
}
