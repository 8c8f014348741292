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
  /** What the OEM charges its dealers (migrations/20261202070000): a price below it is a grey-market signal. */
  dealer_cost_minor: number | null;
  dealer_cost_currency: string | null;
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
  /** Added by discovery, not by a site config (migrations/20261202070000): a config sync leaves it be. */
  discovered: Generated<boolean>;
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
  /** The seller a marketplace page names on the primary offer (migrations/20261201210000): untrusted text. */
  seller: string | null;
  /** The listing's site, set by the database on insert (migrations/20261203010000), for per-site reads at scale. */
  site_id: Generated<number>;
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
  /** Who works the case (migrations/20261201210000); null: nobody. */
  assignee: string | null;
  /** The marketplace seller of the latest violating read, if the page named one: untrusted text. */
  seller: string | null;
  /** The listing's site, kept by trigger (migrations/20261204020100); never written by the app. */
  site_id: Generated<number>;
}

export type CaseEventKind =
  'opened' | 'observed' | 'severity_changed' | 'resolved' | 'dismissed' | 'reopened' | 'note' | 'assigned' | 'comment';

export interface CaseEventsTable {
  id: Generated<number>;
  case_id: number;
  observation_id: number | null;
  kind: CaseEventKind;
  at: Generated<Date>;
  detail: Json;
  /** Hash chain, set by the database on insert (migrations/20261201110100). */
  chain_seq: Generated<number>;
  prev_sha256: Generated<string>;
  chain_sha256: Generated<string>;
}

/** One captured observation's evidence: append-only, hash-chained (migrations/20261122140000). */
export interface EvidenceTable {
  id: Generated<number>;
  /** Null: evidence of a finding, which belongs to no case (migrations/20261204010000). */
  case_id: number | null;
  observation_id: number;
  captured_at: Timestamp;
  manifest_sha256: string;
  prev_sha256: string;
  chain_sha256: string;
  storage_keys: string[];
  manifest: Json;
  created_at: Generated<Date>;
}

/** An evidence file removed by retention (migrations/20261202050000): append-only. */
export interface EvidencePurgesTable {
  id: Generated<number>;
  storage_key: string;
  sha256: string;
  size: number;
  stored_at: Timestamp;
  purged_at: Generated<Date>;
  reason: string;
  store: string;
}

/** The second read before a case opens or escalates; `agreed = false` opened nothing. */
export interface RechecksTable {
  id: Generated<number>;
  site_id: number;
  listing_id: number;
  first_observation_id: number;
  second_observation_id: number | null;
  agreed: boolean;
  detail: Json;
  at: Generated<Date>;
}

/** A signal found on a page besides its price, e.g. `map_evasion` ("see price in cart"). */
export interface FindingsTable {
  id: Generated<number>;
  observation_id: number;
  listing_id: number;
  kind: string;
  detail: Json;
  at: Timestamp;
  /** The evidence that proves the finding (migrations/20261204010000); null before, or without a store. */
  evidence_id: Generated<number | null>;
}

/** One capture per listing, seller key and reporting day for unauthorized-seller findings (migrations/20261204010000). */
export interface FindingEvidenceDaysTable {
  listing_id: number;
  day: ColumnType<string, string, never>;
  seller_key: string;
  evidence_id: number;
}

/**
 * The Findings page's groups kept on write (migrations/20261202010000, triggers on findings):
 * one row per kind, listing and seller key ('' for map_evasion: the group is the reseller).
 */
export interface FindingSummaryTable {
  kind: string;
  listing_id: number;
  seller_key: string;
  seller: string | null;
  reads: number;
  below_map: boolean;
  first_seen: Timestamp;
  last_seen: Timestamp;
  latest_finding_id: number;
  latest_observation_id: number;
  lowest_sort: string | null;
  lowest_at: Timestamp;
  lowest_finding_id: number;
  /** [amount text, currency] for a seller's offer; [amount_minor, currency] for an evading read. */
  lowest: Json;
}

/**
 * The Findings page's groups per site, kept on write from finding_summary
 * (migrations/20261204020000): one row per kind, seller key and site, summing that site's
 * listings' finding_summary rows.
 */
export interface FindingGroupSitesTable {
  kind: string;
  seller_key: string;
  site_id: number;
  seller: string | null;
  listings: number;
  reads: ColumnType<string, number | string, number | string>;
  below_map_listings: number;
  first_seen: Timestamp;
  last_seen: Timestamp;
  latest_finding_id: number;
  latest_observation_id: number;
  latest_listing_id: number;
  lowest_sort: string | null;
  lowest_at: Timestamp;
  lowest_finding_id: number;
  lowest: Json;
}

/** Compared reads per site and UTC day, kept on write (migrations/20261202010100): the Resellers page's compliance. */
export interface SiteComplianceDaysTable {
  site_id: number;
  day: ColumnType<Date, string, string>;
  compared_reads: number;
  compliant_reads: number;
  last_violation_at: Timestamp | null;
}

/** Per listing, its last compared read's time (migrations/20261205010000, kept by triggers). */
export interface ListingLastReadsTable {
  listing_id: number;
  last_read_at: Timestamp;
}

/** One email in the transactional outbox (migrations/20261122142000). */
export type OutboxKind = 'alert' | 'digest' | 'notice' | 'site_alert' | 'weekly_report' | 'listing_changes';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unconfirmed';
export interface OutboxTable {
  id: Generated<number>;
  kind: OutboxKind;
  idempotency_key: string;
  message_id: string;
  case_id: number | null;
  reseller_id: number | null;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  attachments: ColumnType<unknown, string | undefined, string>;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  attempt_started_at: Timestamp | null;
  last_error: string | null;
  transport_response: string | null;
  created_at: Generated<Date>;
  sent_at: Timestamp | null;
  /** migrations/20261201220000: the last person who retried the message (cases also note it on their chain). */
  retried_by: string | null;
  retried_role: string | null;
  retried_at: Timestamp | null;
}

/** A reseller notice on the escalation ladder (step 1, 2, 3 = final). */
export type NoticeStatus = 'proposed' | 'approved' | 'sent' | 'blocked' | 'failed' | 'cancelled';
export interface NoticesTable {
  id: Generated<number>;
  case_id: number;
  reseller_id: number;
  step: number | null;
  status: NoticeStatus;
  reason: string | null;
  not_before: Timestamp | null;
  outbox_id: number | null;
  proposed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  approved_at: Timestamp | null;
  approved_by: string | null;
  sent_at: Timestamp | null;
}

/** Site health state (migrations/20261122141000): whether a site's new violations are suppressed. */
export interface SiteHealthTable {
  site_id: number;
  suppressed: Generated<boolean>;
  since: ColumnType<Date, Date | string | undefined, Date | string>;
  reason: string | null;
  checked_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** migrations/20261201130000: the state last judged (src/health/site-health-state.ts). */
  state: ColumnType<
    'ok' | 'degraded' | 'blocked' | 'needs_attention' | 'suppressed' | 'unknown',
    string | undefined,
    string
  >;
}

export type SiteAlertKind = 'needs_attention' | 'recovered' | 'blocked';
/** "Site needs attention" / "recovered" for ops; the notifier sets `notified_at` once sent. */
export interface SiteAlertsTable {
  id: Generated<number>;
  site_id: number;
  kind: SiteAlertKind;
  at: Generated<Date>;
  detail: Json;
  notified_at: Timestamp | null;
}

/** A reviewer's "Wrong price?" on a read (migrations/20261201210000): the case was dismissed as a misread. */
export interface MisreadsTable {
  id: Generated<number>;
  case_id: number;
  observation_id: number;
  listing_id: number;
  site_id: number;
  /** The price the page really showed, in minor units of `currency`, if the reviewer gave it. */
  correct_minor: number | null;
  currency: string | null;
  /** The CSS selector of the element holding the right price, if the reviewer gave it. */
  selector: string | null;
  note: string | null;
  by: string;
  role: string;
  at: Generated<Date>;
}

/** Cross-worker politeness gate on Postgres (used when there is no Redis). */
export interface DomainGatesTable {
  domain: string;
  next_start_at: ColumnType<Date, Date | string | undefined, Date | string>;
  backoff_until: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface DomainLeasesTable {
  token: string;
  domain: string;
  expires_at: Timestamp;
}

/** The figures of a daily KPI rollup row, whatever its grain. */
export interface RollupFigures {
  day: ColumnType<string, string, string>;
  site_id: number;
  product_id: number;
  reseller_id: number;
  currency: string | null;
  reads: number;
  trustworthy_reads: number;
  compliant_reads: number;
  violating_reads: number;
  blocked_reads: number;
  min_price_minor: number | null;
  sum_price_minor: number;
  /** numeric: a decimal string. */
  sum_depth_pct: string;
  max_depth_pct: string | null;
  msrp_reads: number;
  sum_msrp_variance: string;
  listings_covered: number;
  eod_listings: number;
  eod_compliant_listings: number;
  cases_opened: number;
  cases_resolved: number;
  cases_open_eod: number;
  notices_step1: number;
  notices_step2: number;
  notices_step3: number;
  computed_at: Generated<Date>;
}

/** Daily KPI rollup (migrations/20261201260000): one reporting day × site × product. */
export interface DailyRollupsTable extends RollupFigures {
  /**
   * No read, case or notice of the group names a marketplace seller, so daily_seller_rollups
   * holds no row for it: its seller split is this row (migrations/20261207000000).
   */
  only_reseller: Generated<boolean>;
}

/**
 * The daily rollup by marketplace seller (migrations/20261203040000): day × site × product ×
 * seller, for the groups split between sellers (the others: daily_rollups.only_reseller).
 */
export interface DailySellerRollupsTable extends RollupFigures {
  /** The seller's name key, '' when the page named no seller (the reseller itself). */
  seller_key: string;
  seller_name: string | null;
}

/** The daily rollup per day × dimension value (migrations/20261204030000); see src/kpis/roll-up-dimensions.ts. */
export interface DailyDimensionRollupsTable {
  day: ColumnType<string, string, string>;
  dimension: string;
  key: string;
  ref_id: number | null;
  label: string | null;
  reads: number;
  trustworthy_reads: number;
  compliant_reads: number;
  violating_reads: number;
  blocked_reads: number;
  sum_depth_pct: string;
  max_depth_pct: string | null;
  msrp_reads: number;
  sum_msrp_variance: string;
  eod_listings: number;
  eod_compliant_listings: number;
  cases_opened: number;
  cases_resolved: number;
  notices_sent: number;
  variance_buckets: number[];
  variance_counts: number[];
}

export interface RollupStateTable {
  name: string;
  time_zone: string;
  last_observation_id: number;
  last_run_at: Generated<Date>;
}

/** A review-app user (migrations/20261201200000); email unique whatever its case. */
export interface UsersTable {
  id: Generated<number>;
  email: string;
  role: 'admin' | 'ops' | 'compliance' | 'viewer';
  /** scrypt, self-describing (src/http/auth/password-hash.ts). */
  password_hash: string;
  disabled_at: Timestamp | null;
  created_at: Generated<Date>;
}

/** A browser session; only the SHA-256 of its cookie value is stored. */
export interface SessionsTable {
  id: Generated<number>;
  token_sha256: string;
  user_id: number;
  csrf_token: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** An API bearer token; only its SHA-256 is stored. */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_sha256: string;
  created_at: Generated<Date>;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** One failed login, counted by the login rate limit (per email and per client address). */
export interface LoginFailuresTable {
  id: Generated<number>;
  email: string;
  client: string;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** One good read's page: the CSS paths that picked exactly its amount (per-site learning). */
export interface PriceLocatorSamplesTable {
  site_id: number;
  listing_id: number;
  amount_minor: ColumnType<string | number, number, number>;
  currency: string;
  selectors: Json;
  at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A site's learned price locator and whether it still agrees with the reads. */
export interface PriceLocatorsTable {
  site_id: number;
  selector: string;
  verified_listings: number;
  learned_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_matched_at: Timestamp | null;
  last_checked_at: Timestamp | null;
  misses: ColumnType<number, number | undefined, number>;
  last_miss_reason: string | null;
}

export type DiscoveredState = 'pending' | 'matched' | 'review' | 'rejected' | 'unmatched' | 'failed' | 'gone';
export type MatchMethod = 'gtin' | 'mpn_brand' | 'title';

/** A page discovery found on a site, and how it was matched (migrations/20261202070000). */
export interface DiscoveredPagesTable {
  id: Generated<number>;
  site_id: number;
  url: string;
  source: string;
  state: DiscoveredState;
  first_seen_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  read_at: Timestamp | null;
  reason: string | null;
  final_url: string | null;
  page_gtin: string | null;
  page_mpn: string | null;
  page_brand: string | null;
  page_name: string | null;
  product_id: number | null;
  match_method: MatchMethod | null;
  /** numeric(4,3): a decimal string. */
  confidence: string | null;
  listing_id: number | null;
  change: 'new' | 'moved' | 'gone' | null;
  moved_from: string | null;
  /** The discovery run that made `change` (null: a person's review did); migrations/20261203020000. */
  change_run_id: number | null;
  reported_at: Timestamp | null;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
}

export interface DiscoveryRunsTable {
  id: Generated<number>;
  site_id: number;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  requests: Generated<number>;
  pages_read: Generated<number>;
  found: Generated<number>;
  matched: Generated<number>;
  review: Generated<number>;
  pending_left: Generated<number>;
  delay_ms: number;
}

export interface AuthorizedSellersTable {
  id: Generated<number>;
  brand: string;
  reseller: string | null;
  seller_key: string;
  seller_name: string;
}

export interface SellerGroupsTable {
  seller_key: string;
  group_name: string;
}

export interface BrandGtinPrefixesTable {
  brand: string;
  prefix: string;
}

export interface Database {
  discovered_pages: DiscoveredPagesTable;
  discovery_runs: DiscoveryRunsTable;
  authorized_sellers: AuthorizedSellersTable;
  seller_groups: SellerGroupsTable;
  brand_gtin_prefixes: BrandGtinPrefixesTable;
  price_locator_samples: PriceLocatorSamplesTable;
  price_locators: PriceLocatorsTable;
  daily_rollups: DailyRollupsTable;
  daily_seller_rollups: DailySellerRollupsTable;
  daily_dimension_rollups: DailyDimensionRollupsTable;
  rollup_state: RollupStateTable;
  products: ProductsTable;
  map_prices: MapPricesTable;
  promo_windows: PromoWindowsTable;
  resellers: ResellersTable;
  sites: SitesTable;
  listings: ListingsTable;
  observations: ObservationsTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  outbox: OutboxTable;
  notices: NoticesTable;
  evidence: EvidenceTable;
  evidence_purges: EvidencePurgesTable;
  rechecks: RechecksTable;
  findings: FindingsTable;
  finding_evidence_days: FindingEvidenceDaysTable;
  finding_summary: FindingSummaryTable;
  finding_group_sites: FindingGroupSitesTable;
  site_compliance_days: SiteComplianceDaysTable;
  listing_last_reads: ListingLastReadsTable;
  site_health: SiteHealthTable;
  site_alerts: SiteAlertsTable;
  domain_gates: DomainGatesTable;
  domain_leases: DomainLeasesTable;
  misreads: MisreadsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_failures: LoginFailuresTable;
}

export type Product = Selectable<ProductsTable>;
export type NewProduct = Insertable<ProductsTable>;
export type Observation = Selectable<ObservationsTable>;
export type NewObservation = Insertable<ObservationsTable>;
export type Case = Selectable<CasesTable>;
export type CaseUpdate = Updateable<CasesTable>;
