/**
 * The evidence manifest: what one observation saw, and the SHA-256 of every file that
 * proves it. Its hash is taken over a canonical JSON form (sorted keys, no whitespace),
 * so it can be recomputed from the jsonb copy in the database or from a bundle.
 */
import { z } from 'zod';
import { sha256Hex } from './evidence-store.js';

export const fileRoleSchema = z.enum([
  'screenshot_viewport',
  'screenshot_full',
  'screenshot_annotated',
  /** Sites with steps: the page before the steps and after each one, in order (render-page.ts). */
  'screenshot_step',
  'dom_html',
  'warc',
]);
export type FileRole = z.infer<typeof fileRoleSchema>;

export const manifestFileSchema = z.object({
  role: fileRoleSchema,
  key: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  mime: z.string(),
  /** Screenshots of sites with steps: what the picture shows, in plain words ("The cart"). */
  caption: z.string().optional(),
});

/** A credential taken out of a recorded file; `sha256` is the hash of the value that was removed. */
export const redactionSchema = z.object({
  file: fileRoleSchema,
  where: z.string(),
  url: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ManifestRedaction = z.infer<typeof redactionSchema>;

/** The observation row as stored when its evidence was recorded, so `verify --db` can tell an edit. */
export const observationFactsSchema = z.object({
  id: z.number().int(),
  captured_at: z.string(),
  status: z.string(),
  amount_minor: z.number().int().nullable(),
  currency: z.string().nullable(),
  normalized_minor: z.number().int().nullable(),
  map_minor: z.number().int().nullable(),
});
export type ObservationFacts = z.infer<typeof observationFactsSchema>;

export const manifestSchema = z.object({
  version: z.literal(1),
  /** Null: evidence of a finding (an unauthorized seller), which opens no case. */
  case_id: z.number().int().nullable(),
  observation_id: z.number().int(),
  listing_id: z.number().int(),
  site: z.string(),
  reseller: z.string(),
  sku: z.string(),
  render: z.enum(['static', 'browser']),
  requested_url: z.string(),
  final_url: z.string().nullable(),
  captured_at: z.string(),
  user_agent: z.string(),
  server_ip: z.string().nullable(),
  tls: z.record(z.string(), z.unknown()).nullable(),
  http_status: z.number().int().nullable(),
  status: z.string(),
  reason: z.string().nullable(),
  offer: z.record(z.string(), z.unknown()).nullable(),
  verdict: z.record(z.string(), z.unknown()).nullable(),
  map_rule: z.record(z.string(), z.unknown()).nullable(),
  findings: z.array(z.object({ kind: z.string(), detail: z.unknown() })),
  recheck: z.object({ first_observation_id: z.number().int(), agreed: z.boolean() }).nullable(),
  files: z.array(manifestFileSchema),
  /** Absent in manifests written before these fields existed. */
  observation: observationFactsSchema.optional(),
  redactions: z.array(redactionSchema).optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof manifestFileSchema>;

/** JSON with object keys sorted at every level and undefined dropped: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function manifestSha256(manifest: unknown): string {
  return sha256Hex(canonicalJson(manifest));
}

export const GENESIS_SHA256 = '0'.repeat(64);

/** chain_sha256 = sha256(prev_sha256 + manifest_sha256), hex concatenated. */
export function chainSha256(prev: string, manifestSha: string): string {
  return sha256Hex(prev + manifestSha);
}
