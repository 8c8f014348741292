/**
 * A page must never make a check end without a record. Whatever a read throws that retrying
 * cannot fix (a stack overflow in extraction, a TypeError on a strange page) becomes an
 * `error` read with the reason; only failures of our own services (the database, the domain
 * gate's store, a busy domain) are rethrown so the job is retried.
 *
 * Page text is also made storable: PostgreSQL refuses U+0000 in text and jsonb, so a NUL in
 * a product name used to make the insert throw and lose the read. NULs in everything taken
 * from the page (offer fields, findings, reason) are replaced by U+FFFD; the HTML itself is
 * kept byte for byte for evidence and its hash.
 */
import { isConnectionError } from '../db/resilient-pg-client.js';
import { isRetryable } from '../errors.js';
import type { ObservationDraft } from '../types.js';
import type { ListingRead } from './read-for-check.js';

/** Errors that say "try again later" rather than "this page cannot be read". */
export function isServiceFailure(err: unknown): boolean {
  const name = (err as { name?: unknown } | undefined)?.name;
  return (
    isRetryable(err) ||
    isConnectionError(err) ||
    name === 'DomainBusyError' ||
    name === 'DelayedError' ||
    // SQLSTATE classes of a busy or failing database (serialization, deadlock, resources, operator).
    /^(40|53|57|58|08)/.test(String((err as { code?: unknown } | undefined)?.code ?? ''))
  );
}

function firstLine(err: unknown): string {
  const msg = String((err as Error | undefined)?.message ?? err);
  return msg.split('\n')[0]!.slice(0, 300);
}

export function failedReadDraft(reason: string): ObservationDraft {
  return {
    capturedAt: new Date(),
    status: 'error',
    reason,
    offer: null,
    amountMinor: null,
    currency: null,
    httpStatus: null,
    finalUrl: null,
    contentSha256: null,
    retryable: false,
  };
}

/** Replaces U+0000 in every string of a plain value (objects, arrays); other values are kept. */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map((v) => withoutNul(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withoutNul(v);
    return out as T;
  }
  return value;
}

/** Whether any string in a plain value holds U+0000 (no copy is made to find out). */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.values(value).some(hasNul);
  return false;
}

/**
 * The draft and findings made storable; `html` stays as fetched. A read with no NUL is returned
 * as it is: the later steps of the read find its parsed page and its locator agreement by the
 * draft's identity (parsed-page.ts, learn-price-locator.ts), and a copy made every read parse
 * the page again and search for locator candidates on every read.
 */
export function storableRead(read: ListingRead): ListingRead {
  const { html, ...rest } = read.draft;
  if (!hasNul(rest) && !hasNul(read.findings)) return read;
  const draft = { ...withoutNul(rest), capturedAt: read.draft.capturedAt } as ObservationDraft;
  if (html !== undefined) draft.html = html;
  return { ...read, draft, findings: withoutNul(read.findings) };
}

/** Runs one read; a page-caused throw becomes an `error` read with its reason. */
export async function containReadFailure(read: () => Promise<ListingRead>): Promise<ListingRead> {
  try {
    return storableRead(await read());
  } catch (err) {
    if (isServiceFailure(err)) throw err;
    return {
      draft: failedReadDraft(
        `check_failed: reading the page threw ${(err as Error)?.name ?? 'an error'}: ${firstLine(err)}`,
      ),
      capture: null,
      findings: [],
    };
  }
}
