/**
 * Kysely table types, mirroring migrations/. bigint columns arrive as JS numbers on
 * both backends (see connect.ts: one int8 parser for Postgres and PGlite alike).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ObservationStatus, OfferSource } from '../types.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface ProductsTable {
  id: Generated<number>;
  sku: string;
  name: string;
  brand: string | null;
  gtin: string | null;
  mpn: string | null;
  pack_size: Generated<number>;
  map_includes_vat: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface MapPricesTable {
  id: Generated<number>;
  product_id: number;
  currency: string;
  map_minor: number;
  list_minor: number | null;
  effective_from: Timestamp;
  effective_to: Timestamp | null;
}

export interface PromoWindowsTable {
  id: Generated<number>;
  product_id: number | null;
  brand: string | null;
  kind: 'suspend' | 'lower';
  map_minor: number | null;
  /** numeric(5,2): a decimal string, never a float. */
  percent_off: string | null;
  currency: string | null;
  starts_at: string;
  ends_at: string;
  time_zone: string;
  note: string | null;
}

export interface ResellersTable {
  id: Generated<number>;
  name: string;
  tier: string | null;
  region: string | null;
  contact_email: string | null;
  authorized: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface SitesTable {
  id: Generated<number>;
  name: string;
  reseller_id: number;
  domain: string;
  config_hash: string;
  config_path: string | null;
  updated_at: Generated<Date>;
}

export interface ListingsTable {
  id: Generated<number>;
  site_id: number;
  product_id: number;
  url: string;
  pack_size: Generated<number>;
  active: Generated<boolean>;
}

export type VerdictKind = 'compliant' | 'violation' | 'not_comparable';

export interface ObservationsTable {
  id: Generated<number>;
  listing_id: number;
  captured_at: Timestamp;
  status: ObservationStatus;
  reason: string | null;
  amount_minor: number | null;
  currency: string | null;
  raw_price_text: string | null;
  extraction_source: OfferSource | null;
  product_name: string | null;
  verdict: VerdictKind | null;
  normalized_minor: number | null;
  map_minor: number | null;
  verdict_detail: Json | null;
  http_status: number | null;
  final_url: string | null;
  content_sha256: string | null;
  read_key: string | null;
}

export type CaseStatus = 'open' | 'notified' | 'resolved' | 'dismissed';

export interface CasesTable {
  id: Generated<number>;
  listing_id: number;
  status: CaseStatus;
  severity: string;
  currency: string;
  map_minor: number;
  lowest_minor: number;
  last_minor: number;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  clean_streak: Generated<number>;
  closed_at: Timestamp | null;
  resolution_note: string | null;
}

export type CaseEventKind = 'opened' | 'observed' | 'severity_changed' | 'resolved' | 'dismissed' | 'note';

export interface CaseEventsTable {
  id: Generated<number>;
  case_id: number;
  observation_id: number | null;
  kind: CaseEventKind;
  at: Generated<Date>;
  detail: Json;
}

export interface Database {
  products: ProductsTable;
  map_prices: MapPricesTable;
  promo_windows: PromoWindowsTable;
  resellers: ResellersTable;
  sites: SitesTable;
  listings: ListingsTable;
  observations: ObservationsTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
}

export type Product = Selectable<ProductsTable>;
export type NewProduct = Insertable<ProductsTable>;
export type Observation = Selectable<ObservationsTable>;
export type NewObservation = Insertable<ObservationsTable>;
export type Case = Selectable<CasesTable>;
export type CaseUpdate = Updateable<CasesTable>;
