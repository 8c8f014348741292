/**
 * The `pg` driver, loaded without Node 20 loading its `fetch` implementation on the way.
 *
 * Why: when `pg` loads (lib/stream.js), it asks whether it runs on Cloudflare Workers. On Node 21+
 * `navigator.userAgent` answers that at once; Node 20 has no `navigator`, so `pg` builds a
 * `new Response(null, { cf: ... })`, and Node's global `Response` is a lazy getter that loads
 * undici, Node's fetch (about 85 ms of CPU on the 2-core machine, in every process that opens a
 * database: a `mapwatch cases` spent it before its first query). mapwatch runs on Node only, so
 * `Response` is hidden while `pg` loads (hide-response.ts, imported first) and put back as it was
 * right after. A static import, so the CLI bundle (tools/bundle-cli.mjs) can carry `pg` itself.
 */
import restoreResponse from './hide-response.js';
import pg from 'pg';

restoreResponse();

export default pg;
