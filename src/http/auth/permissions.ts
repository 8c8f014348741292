/**
 * Who may do what in the review app and the API. Users hold one role; every page, form and
 * API route names the permission it needs, and the server checks it (never the browser).
 *
 * - `admin`: everything, including users and settings;
 * - `ops`: sites, queues, the outbox and discovery's review queue (and reading everything);
 * - `compliance`: cases, notices and evidence export (and reading everything);
 * - `viewer`: read-only.
 *
 * The audit log's actor roles (src/cases/actor.ts) include these four, plus `system` for
 * automatic steps and `pricing_manager`, which earlier CLI releases recorded.
 */
export const USER_ROLES = ['admin', 'ops', 'compliance', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const PERMISSIONS = {
  /** See cases, findings, resellers, sites, outbox, KPIs (every signed-in user). */
  read: ['admin', 'ops', 'compliance', 'viewer'],
  /** Dismiss, reopen, assign, comment, mark a read as misread. */
  'cases:act': ['admin', 'compliance'],
  /** Approve the next notice of a case. */
  'notices:approve': ['admin', 'compliance'],
  /** Download evidence bundles. */
  'evidence:export': ['admin', 'compliance', 'ops'],
  /** Test a site config on a URL, crawl now, re-check health. */
  'sites:act': ['admin', 'ops'],
  /** Accept or reject a discovered page waiting for review (it becomes a listing, or not). */
  'listings:review': ['admin', 'ops'],
  /** Retry outbox messages. */
  'outbox:act': ['admin', 'ops'],
  /** bull-board at /queues. */
  queues: ['admin', 'ops'],
  /** Users, tokens of others, settings. */
  admin: ['admin'],
} as const satisfies Record<string, readonly UserRole[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: UserRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly UserRole[]).includes(role);
}
