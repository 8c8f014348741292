/**
 * The manifest of one static read of case 7, for tests that build evidence bundles in memory;
 * each test names the fields it is about (observation id, files).
 */
import type { Manifest, ManifestFile } from '../../src/evidence/manifest.js';

export function manifestFixture(o: { observationId: number; files: ManifestFile[] }): Manifest {
  return {
    version: 1,
    case_id: 7,
    observation_id: o.observationId,
    listing_id: 1,
    site: 'shop',
    reseller: 'Shop Inc',
    sku: 'WP-1',
    render: 'static',
    requested_url: 'https://shop.example/p',
    final_url: null,
    captured_at: '2026-11-20T10:00:00.000Z',
    user_agent: 'mapwatch',
    server_ip: null,
    tls: null,
    http_status: 200,
    status: 'ok',
    reason: null,
    offer: null,
    verdict: null,
    map_rule: null,
    findings: [],
    recheck: null,
    files: o.files,
  };
}
