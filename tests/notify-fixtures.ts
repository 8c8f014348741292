/**
 * Shared set-up for the notification tests: an SMTP server in this process that keeps
 * every message it accepts (parsed headers and the raw source), and a small catalog whose
 * listings the tests drive through the real recordObservation path, with the hook.
 */
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { compareToMap, type Verdict } from '../src/compare/compare-to-map.js';
import { recordObservation } from '../src/cases/record-observation.js';
import type { Database } from '../src/db/tables.js';
import { makeNotifyOnCaseChange } from '../src/notify/on-case-change.js';
import type { NotifyConfig } from '../src/notify/notify-config.js';
import type { ObservationDraft } from '../src/types.js';

export interface Received {
  from: string;
  to: string[];
  raw: string;
  header(name: string): string | undefined;
}

export interface TestSmtp {
  url: string;
  messages: Received[];
  /** Reply to every RCPT with this SMTP error while set, e.g. [550, 'mailbox unavailable']. */
  refuse: [number, string] | null;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const state: TestSmtp = { url: '', messages: [], refuse: null, close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (state.refuse) {
        const err = Object.assign(new Error(state.refuse[1]), { responseCode: state.refuse[0] });
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
        state.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          header: (name) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim(),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as AddressInfo;
  state.url = `smtp://127.0.0.1:${port}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}

/** The decoded body parts of a raw message (quoted-printable and base64 undone). */
export function partsOf(raw: string): { type: string; cid?: string; body: string; bytes: Buffer }[] {
  const out: { type: string; cid?: string; body: string; bytes: Buffer }[] = [];
  const chunks = raw.split(/\r?\n--[^\r\n]+/);
  for (const c of chunks) {
    const [head, ...rest] = c.split(/\r?\n\r?\n/);
    if (!head || !/content-type:/i.test(head)) continue;
    const h = head.replace(/\r?\n[ \t]+/g, ' ');
    const type = /content-type:\s*([^;\s]+)/i.exec(h)?.[1]?.toLowerCase() ?? '';
    if (type.startsWith('multipart/')) continue;
    const enc = /content-transfer-encoding:\s*(\S+)/i.exec(h)?.[1]?.toLowerCase();
    const cid = /content-id:\s*<([^>]+)>/i.exec(h)?.[1];
    const text = rest.join('\n\n');
    const bytes =
      enc === 'base64'
        ? Buffer.from(text.replace(/\s+/g, ''), 'base64')
        : enc === 'quoted-printable'
          ? Buffer.from(
              text
                .replace(/=\r?\n/g, '')
                .replace(/=([0-9A-F]{2})/g, (_m, x: string) => String.fromCharCode(parseInt(x, 16))),
              'latin1',
            )
          : Buffer.from(text);
    out.push({ type, cid, body: bytes.toString('utf8'), bytes });
  }
  return out;
}

export interface Catalog {
  listing(name: string): number;
  siteOf(name: string): number;
}

/** Resellers with one site each and a listing per SKU; MAP is 100.00 USD for every product. */
export async function seedCatalog(
  db: Kysely<Database>,
  resellers: { name: string; region: string | null; tier?: string; email: string | null }[],
  products: { sku: string; name: string; brand?: string }[],
): Promise<Catalog> {
  const listings = new Map<string, number>();
  const sites = new Map<string, number>();
  const prodIds = new Map<string, number>();
  for (const p of products) {
    const { id } = await db
      .insertInto('products')
      .values({ sku: p.sku, name: p.name, brand: p.brand ?? 'Northwind' })
      .returning('id')
      .executeTakeFirstOrThrow();
    prodIds.set(p.sku, id);
  }
  for (const r of resellers) {
    const { id: rid } = await db
      .insertInto('resellers')
      .values({ name: r.name, region: r.region, tier: r.tier ?? null, contact_email: r.email })
      .returning('id')
      .executeTakeFirstOrThrow();
    const slug = r.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const { id: sid } = await db
      .insertInto('sites')
      .values({ name: slug, reseller_id: rid, domain: `${slug}.example`, config_hash: 'x' })
      .returning('id')
      .executeTakeFirstOrThrow();
    sites.set(r.name, sid);
    for (const p of products) {
      const { id } = await db
        .insertInto('listings')
        .values({ site_id: sid, product_id: prodIds.get(p.sku)!, url: `https://${slug}.example/p/${p.sku}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      listings.set(`${r.name}/${p.sku}`, id);
    }
  }
  return { listing: (n) => listings.get(n)!, siteOf: (n) => sites.get(n.split('/')[0]!)! };
}

export const SEVERITY = ['low', 'medium', 'high'];
const BANDS = [
  { name: 'low', minPercentBelow: 0 },
  { name: 'medium', minPercentBelow: 5 },
  { name: 'high', minPercentBelow: 15 },
];
const policy = { resolveAfter: 1, severityOrder: SEVERITY };

/** One read of a listing at `priceMinor` USD cents against a MAP of 100.00, through compareToMap, recordObservation and the hook. */
export async function observe(
  db: Kysely<Database>,
  cat: Catalog,
  key: string,
  priceMinor: number,
  at: Date,
  cfg: NotifyConfig,
  pageName = 'Headphones',
) {
  // The real comparison decides the verdict and its severity, as in a crawl.
  const verdict: Verdict = compareToMap({
    observed: { amountMinor: priceMinor, currency: 'USD', capturedAt: at },
    listingPackSize: 1,
    productPackSize: 1,
    siteVat: undefined,
    mapIncludesVat: false,
    mapPrices: [
      {
        currency: 'USD',
        mapMinor: 10_000,
        listMinor: null,
        effectiveFrom: new Date('2020-01-01T00:00:00Z'),
        effectiveTo: null,
      },
    ],
    promos: [],
    tolerance: {},
    severityBands: BANDS,
  });
  const draft: ObservationDraft = {
    capturedAt: at,
    status: 'ok',
    reason: null,
    offer: { amount: (priceMinor / 100).toFixed(2), currency: 'USD', source: 'json-ld', name: pageName },
    amountMinor: priceMinor,
    currency: 'USD',
    httpStatus: 200,
    finalUrl: null,
    contentSha256: null,
    retryable: false,
  };
  return recordObservation(db, {
    listingId: cat.listing(key),
    siteId: cat.siteOf(key),
    draft,
    verdict,
    policy,
    onCaseChange: makeNotifyOnCaseChange(cfg, SEVERITY, () => at),
  });
}
