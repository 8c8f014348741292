/**
 * Security headers on every response. The CSP allows scripts, styles and images from our
 * own origin only (no inline script or style, no eval): whatever a crawled page put into a
 * product or seller name can at worst show as text, never run. Framing is refused
 * (clickjacking on the case actions), and forms may only post back to us.
 * bull-board (/queues) is a prebuilt page that sets inline styles from its script and
 * resolves its files against `<base href="/queues/">`, so it alone gets
 * `style-src 'unsafe-inline'` and `base-uri 'self'`; its scripts are still same-origin only.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const QUEUE_UI_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
  "base-uri 'none'",
  "base-uri 'self'",
);

export function securityHeaders(o: { hsts: boolean }): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const queues = req.path === '/queues' || req.path.startsWith('/queues/');
    res.setHeader('Content-Security-Policy', queues ? QUEUE_UI_POLICY : CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    // Only behind HTTPS: HSTS over plain HTTP is ignored, and on localhost it would pin the browser to https.
    if (o.hsts) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}
