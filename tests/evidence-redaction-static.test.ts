/**
 * Credentials in recorded exchanges never reach the WARC (no browser needed): a static
 * read whose response sets a cookie, and recorded exchanges carrying Cookie, Authorization,
 * a configured API-key header and a password sent by a GET form. Each value is replaced by
 * its SHA-256 and listed in the manifest's redactions.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureEvidence, type ReadCapture } from '../src/evidence/capture-evidence.js';
import { LocalEvidenceStore } from '../src/evidence/evidence-store.js';
import { redactExchange, sha256Of } from '../src/fetch/browser/redact-exchange.js';
import type { Exchange } from '../src/fetch/browser/render-page.js';
import type { ObservationDraft } from '../src/types.js';
import { tmpDir } from './support/tmp.js';

const PASSWORD = 'hunter2-Very-Secret';
const COOKIE = 'sess=Zq81secretSessionCookie';
const TOKEN = 'Bearer tok_secretHeaderValue';
const API_KEY = 'k_live_configuredKey123';
const ALL = [PASSWORD, encodeURIComponent(PASSWORD), 'Zq81secretSessionCookie', 'tok_secretHeaderValue', API_KEY];

const draft: ObservationDraft = {
  capturedAt: new Date('2026-12-01T10:00:00Z'),
  status: 'ok',
  reason: null,
  offer: null,
  amountMinor: 8900,
  currency: 'USD',
  httpStatus: 200,
  finalUrl: 'http://127.0.0.1:1/p',
  contentSha256: null,
  retryable: false,
};

describe('credential redaction in recorded exchanges', () => {
  it('a captured read keeps no Cookie, Set-Cookie, Authorization or GET-form password in its WARC', async () => {
    const store = new LocalEvidenceStore(path.join(tmpDir(), 'evidence'));
    const at = new Date('2026-12-01T10:00:00Z');
    const capture: ReadCapture = {
      render: 'browser',
      requestedUrl: 'http://127.0.0.1:1/p',
      userAgent: 'mapwatch-test',
      tls: null,
      fetch: {
        status: 'ok',
        requestedUrl: 'http://127.0.0.1:1/p',
        finalUrl: 'http://127.0.0.1:1/p',
        fetchedAt: at,
        elapsedMs: 1,
        retryable: false,
        httpStatus: 200,
        body: '<html><body>$89.00</body></html>',
      },
      exchanges: (
        [
          {
            url: `http://127.0.0.1:1/login?user=alice&password=${encodeURIComponent(PASSWORD)}`,
            method: 'GET',
            requestHeaders: { cookie: COOKIE, authorization: TOKEN, 'user-agent': 'mapwatch-test' },
            status: 302,
            statusText: 'Found',
            responseHeaders: { 'set-cookie': `${COOKIE}; Path=/; HttpOnly`, location: '/p' },
            body: null,
            at,
          },
          {
            url: 'http://127.0.0.1:1/p',
            method: 'GET',
            requestHeaders: { cookie: COOKIE, 'x-shop-key': API_KEY },
            status: 200,
            statusText: 'OK',
            responseHeaders: { 'content-type': 'text/html' },
            body: Buffer.from('<html><body>$89.00</body></html>'),
            at,
          },
        ] as Exchange[]
      ).map((ex) => redactExchange(ex, { configuredHeaders: ['x-shop-key'] })),
    };
    const m = await captureEvidence({
      store,
      listing: { listingId: 1, site: 's', reseller: 'r', sku: 'k' },
      capture,
      draft,
      verdict: null,
      findings: [],
    });
    const warc = m.files.find((f) => f.role === 'warc')!;
    const text = Buffer.from((await store.get(warc.key))!).toString('latin1');
    for (const secret of ALL) expect(text, secret).not.toContain(secret);
    expect(JSON.stringify(m)).not.toContain(PASSWORD);
    expect(text).toContain(`password=REDACTED-sha256-${sha256Of(PASSWORD)}`);
    const where = (m.redactions ?? []).map((r) => `${r.file} ${r.where} ${r.sha256}`);
    expect(where).toEqual(
      expect.arrayContaining([
        `warc url query parameter password ${sha256Of(PASSWORD)}`,
        `warc request header cookie ${sha256Of(COOKIE)}`,
        `warc request header authorization ${sha256Of(TOKEN)}`,
        `warc response header set-cookie ${sha256Of(`${COOKIE}; Path=/; HttpOnly`)}`,
        `warc request header x-shop-key ${sha256Of(API_KEY)}`,
      ]),
    );
  });

  it('a static read (no browser exchanges) has its Set-Cookie redacted too', async () => {
    const store = new LocalEvidenceStore(path.join(tmpDir(), 'evidence'));
    const m = await captureEvidence({
      store,
      listing: { listingId: 1, site: 's', reseller: 'r', sku: 'k' },
      capture: {
        render: 'static',
        requestedUrl: 'http://127.0.0.1:1/p',
        userAgent: 'mapwatch-test',
        tls: null,
        exchanges: [],
        fetch: {
          status: 'ok',
          requestedUrl: 'http://127.0.0.1:1/p',
          finalUrl: 'http://127.0.0.1:1/p',
          fetchedAt: new Date(),
          elapsedMs: 1,
          retryable: false,
          httpStatus: 200,
          headers: { 'set-cookie': COOKIE, 'content-type': 'text/html' },
          body: '<html>$89.00</html>',
        },
      },
      draft,
      verdict: null,
      findings: [],
    });
    const warc = m.files.find((f) => f.role === 'warc')!;
    expect(Buffer.from((await store.get(warc.key))!).toString('latin1')).not.toContain('Zq81secretSessionCookie');
    expect(m.redactions).toEqual([
      { file: 'warc', where: 'response header set-cookie', url: 'http://127.0.0.1:1/p', sha256: sha256Of(COOKIE) },
    ]);
  });
});
