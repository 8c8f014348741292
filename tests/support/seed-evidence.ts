/**
 * One evidence row with a screenshot for a read, chained like record-evidence.ts does, so
 * the review app's screenshot route, chart links, verify result and bundle have something
 * real to serve.
 */
import { deflateSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/tables.js';
import type { EvidenceStore } from '../../src/evidence/evidence-store.js';
import { chainSha256, GENESIS_SHA256, type Manifest, manifestSha256 } from '../../src/evidence/manifest.js';
import { observationFacts } from '../../src/evidence/record-evidence.js';

/** A valid w×h PNG of one colour. */
export function tinyPng(w = 4, h = 3): Buffer {
  const crc = (buf: Buffer) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return (~c >>> 0) as number;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = Buffer.concat(
    Array.from({ length: h }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 200)])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function seedEvidence(
  db: Kysely<Database>,
  store: EvidenceStore,
  o: { caseId: number; observationId: number },
): Promise<{ sha256: string; bytes: Buffer }> {
  const bytes = tinyPng();
  const file = await store.put(bytes);
  const obs = await db
    .selectFrom('observations')
    .selectAll()
    .where('id', '=', o.observationId)
    .executeTakeFirstOrThrow();
  const manifest: Manifest = {
    version: 1,
    case_id: o.caseId,
    observation_id: o.observationId,
    listing_id: obs.listing_id,
    site: 'acme-web',
    reseller: 'Acme Audio',
    sku: 'HP-100',
    render: 'browser',
    requested_url: 'https://acme.test/p',
    final_url: null,
    captured_at: new Date(obs.captured_at).toISOString(),
    user_agent: 'test',
    server_ip: null,
    tls: null,
    http_status: 200,
    status: obs.status,
    reason: null,
    offer: null,
    verdict: null,
    map_rule: null,
    findings: [],
    recheck: null,
    files: [{ role: 'screenshot_viewport', key: file.key, sha256: file.sha256, size: file.size, mime: 'image/png' }],
    observation: observationFacts(obs),
  };
  const last = await db.selectFrom('evidence').select('chain_sha256').orderBy('id', 'desc').executeTakeFirst();
  const prev = last?.chain_sha256 ?? GENESIS_SHA256;
  const m = manifestSha256(manifest);
  await db
    .insertInto('evidence')
    .values({
      case_id: o.caseId,
      observation_id: o.observationId,
      captured_at: obs.captured_at,
      manifest_sha256: m,
      prev_sha256: prev,
      chain_sha256: chainSha256(prev, m),
      storage_keys: [file.key],
      manifest: JSON.stringify(manifest),
    })
    .execute();
  return { sha256: file.sha256, bytes };
}
