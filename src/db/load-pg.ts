/**
 * The `pg` driver, loaded without Node 20 loading its `fetch` implementation on the way.
 *
 * Why: when `pg` loads (lib/stream.js), it asks whether it runs on Cloudflare Workers. On Node 21+
 * `navigator.userAgent` answers that at once; Node 20 has no `navigator`, so `pg` builds a
 * `new Response(null, { cf: ... })`, and Node's global `Response` is a lazy getter that loads
 * undici, Node's fetch (about 85 ms of CPU on the 2-core machine, in every process that opens a
 * database: a `mapwatch cases` spent it before its first query). mapwatch runs on Node only, so
 * `Response` is hidden from that one synchronous load and put back as it was; nothing else runs
 * in between. A later `import 'pg'` (tests, benchmarks) gets this same module from Node's cache.
 */
import { createRequire } from 'node:module';
import type PgModule from 'pg';

function loadPg(): typeof PgModule {
  const requireCjs = createRequire(import.meta.url);
  const response = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (!response?.configurable) return requireCjs('pg') as typeof PgModule;
  Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });
  try {
    return requireCjs('pg') as typeof PgModule;
  } finally {
    Object.defineProperty(globalThis, 'Response', response);
  }
}

const pg = loadPg();
export default pg;
