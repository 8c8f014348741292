/**
 * Reason codes of fetch results, and turning thrown errors into them.
 *
 * A FetchResult.reason is `<code>` or `<code>: <human text>`; the code is the part before
 * the first colon (see `reasonCode`). Codes:
 *
 * blocked  http_401 http_403 http_429 http_503  the server refused us (429/503 retryable)
 *          captcha                                a 2xx page that is a bot wall / challenge
 * error    http_<status>       other 3xx/4xx (not retryable; 408 retryable) and 5xx (retryable)
 *          not_html            the response is not an HTML page
 *          too_large           decoded body over maxBytes
 *          empty_body          a 2xx response with no body (retryable)
 *          redirect_loop       a redirect came back to a URL already visited
 *          too_many_redirects  more than maxRedirects hops
 *          bad_redirect        3xx with a missing or unparseable Location
 *          invalid_url         not an absolute URL
 *          unsupported_scheme  not http: or https: (also on a redirect hop)
 *          private_address     the host is or resolves to a loopback/private/reserved address
 *          robots_disallowed   robots.txt disallows the URL for our user agent
 *          robots_unavailable  robots.txt answered 429/5xx: the site counts as disallowed for now (retryable).
 *                              (When robots.txt cannot be reached at all, the underlying timeout/network/
 *                              tls/private_address code is reported, with "(fetching robots.txt; ...)".)
 *          timeout             connect, headers, body or the whole-request deadline (retryable)
 *          network             DNS, connection refused/reset, protocol errors (retryable)
 *          tls                 certificate or TLS handshake problems (not retryable)
 *          decode_error        a corrupt gzip/deflate/br stream (retryable)
 *          aborted             the caller's AbortSignal fired (retryable)
 */

export type FetchReasonCode =
  | `http_${number}`
  | 'captcha'
  | 'not_html'
  | 'too_large'
  | 'empty_body'
  | 'redirect_loop'
  | 'too_many_redirects'
  | 'bad_redirect'
  | 'invalid_url'
  | 'unsupported_scheme'
  | 'private_address'
  | 'robots_disallowed'
  | 'robots_unavailable'
  | 'timeout'
  | 'network'
  | 'tls'
  | 'decode_error'
  | 'aborted';

/** The machine part of a reason: `'http_403: Forbidden'` → `'http_403'`. */
export function reasonCode(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const i = reason.indexOf(':');
  return i === -1 ? reason : reason.slice(0, i);
}

/** A problem already classified; thrown inside the fetch code and turned into a result. */
export class FetchProblem extends Error {
  constructor(
    readonly code: FetchReasonCode,
    readonly detail: string | undefined,
    readonly retryable: boolean,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'FetchProblem';
  }
  get reason(): string {
    return this.message;
  }
}

/** Raised by the address guard (inside DNS lookup / connect) for a refused address. */
export class PrivateAddressError extends FetchProblem {
  constructor(detail: string) {
    super('private_address', detail, false);
    this.name = 'PrivateAddressError';
  }
}

const TIMEOUT_CODES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  ETIMEDOUT: 'connection timed out',
};

const NETWORK_TEXT: Record<string, string> = {
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'temporary DNS failure',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'body shorter than Content-Length',
  UND_ERR_HEADERS_OVERFLOW: 'response headers too large',
};

function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * Classify anything thrown while fetching. Never includes a stack trace.
 * `deadlineHit` / `callerAborted` say which abort signal (if any) fired.
 */
export function problemFromError(
  err: unknown,
  ctx: { deadlineHit?: boolean; callerAborted?: boolean; timeoutMs?: number } = {},
): FetchProblem {
  if (ctx.callerAborted) return new FetchProblem('aborted', 'cancelled by caller', true);
  if (ctx.deadlineHit) {
    return new FetchProblem('timeout', `no complete response within ${ctx.timeoutMs ?? '?'} ms`, true);
  }
  // Walk the cause chain: undici and fetch wrap the underlying error.
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (e instanceof FetchProblem) return e;
    const code = errorCode(e);
    if (code && code in TIMEOUT_CODES) return new FetchProblem('timeout', TIMEOUT_CODES[code], true);
    if (code && code in NETWORK_TEXT) return new FetchProblem('network', NETWORK_TEXT[code], true);
    if (
      code &&
      (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
    ) {
      return new FetchProblem('tls', `${code}${e instanceof Error ? ' ' + oneLine(e.message) : ''}`, false);
    }
    if (code && code.startsWith('Z_')) {
      return new FetchProblem('decode_error', `corrupt compressed body (${code})`, true);
    }
    if (code && code.startsWith('HPE_')) return new FetchProblem('network', `malformed HTTP response (${code})`, true);
    if (e instanceof Error && e.cause) {
      e = e.cause;
      continue;
    }
    break;
  }
  const code = errorCode(err);
  const msg = err instanceof Error ? oneLine(err.message) : oneLine(String(err));
  return new FetchProblem('network', code ? `${code} ${msg}` : msg || 'unknown error', true);
}
