/**
 * Writes a valid evidence bundle with one large, highly compressible WARC (and optionally
 * some incompressible screenshot bytes) straight to disk with fflate's streaming zip, so a
 * bundle whose contents inflate to gigabytes costs the writer no memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { strToU8, Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { canonicalJson, chainSha256, GENESIS_SHA256, manifestSha256 } from '../../src/evidence/manifest.js';

export async function writeBigBundle(
  file: string,
  opts: { warcMiB: number; pngMiB?: number },
): Promise<{ zipBytes: number; contentBytes: number }> {
  const out = fs.createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  let contentBytes = 0;
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    out.write(Buffer.from(chunk));
  });
  const index: Record<string, string> = {};
  const small = (name: string, bytes: Uint8Array) => {
    const e = new ZipPassThrough(name);
    zip.add(e);
    e.push(bytes, true);
    index[name] = createHash('sha256').update(bytes).digest('hex');
    contentBytes += bytes.length;
  };
  const drain = () => new Promise<void>((r) => (out.writableNeedDrain ? out.once('drain', () => r()) : r()));

  // The WARC: a page's exchange repeated, 1 MiB at a time.
  const block = Buffer.alloc(1024 * 1024);
  const line = Buffer.from('<div class="price">$89.00</div><p>lorem ipsum dolor sit amet</p>\n');
  for (let at = 0; at < block.length; at += line.length) line.copy(block, at);
  const warcHash = createHash('sha256');
  const warcSha = (() => {
    for (let i = 0; i < opts.warcMiB; i++) warcHash.update(block);
    return warcHash.digest('hex');
  })();
  const png = randomBytes((opts.pngMiB ?? 0) * 1024 * 1024);
  const pngSha = createHash('sha256').update(png).digest('hex');
  const files = [
    { role: 'warc', key: warcSha, sha256: warcSha, size: opts.warcMiB * block.length, mime: 'application/warc' },
    ...(png.length
      ? [{ role: 'screenshot_full', key: pngSha, sha256: pngSha, size: png.length, mime: 'image/png' }]
      : []),
  ];
  const manifest = {
    version: 1,
    case_id: 1,
    observation_id: 1,
    listing_id: 1,
    site: 'big',
    reseller: 'Big Shop',
    sku: 'BIG',
    render: 'static',
    requested_url: 'http://127.0.0.1/p',
    final_url: 'http://127.0.0.1/p',
    captured_at: '2026-12-01T00:00:00.000Z',
    user_agent: 'mapwatch',
    server_ip: '127.0.0.1',
    tls: null,
    http_status: 200,
    status: 'ok',
    reason: null,
    offer: null,
    verdict: null,
    map_rule: null,
    findings: [],
    recheck: null,
    files,
    redactions: [],
  };
  const mSha = manifestSha256(manifest);
  small('manifests/evidence-1.json', strToU8(canonicalJson(manifest)));
  small(
    'chain.json',
    strToU8(
      JSON.stringify([
        {
          id: 1,
          observation_id: 1,
          manifest_sha256: mSha,
          prev_sha256: GENESIS_SHA256,
          chain_sha256: chainSha256(GENESIS_SHA256, mSha),
        },
      ]),
    ),
  );
  if (png.length) small(`files/${pngSha}.png`, png);

  const warc = new ZipDeflate(`files/${warcSha}.warc`, { level: 6 });
  zip.add(warc);
  for (let i = 0; i < opts.warcMiB; i++) {
    warc.push(block, i === opts.warcMiB - 1);
    contentBytes += block.length;
    await drain();
  }
  index[`files/${warcSha}.warc`] = warcSha;
  small(
    'index.json',
    strToU8(
      JSON.stringify({
        format: 'mapwatch-evidence-bundle/1',
        case_id: 1,
        created_at: new Date().toISOString(),
        files: Object.fromEntries(Object.entries(index).filter(([k]) => k !== 'index.json')),
      }),
    ),
  );
  zip.end();
  out.end();
  await done;
  return { zipBytes: fs.statSync(file).size, contentBytes };
}
