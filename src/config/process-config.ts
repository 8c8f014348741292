/**
 * The process configuration: every environment variable mapwatch reads, in one field
 * table with its zod schema, its default and a one-line description. This is the only
 * module that reads `process.env` for mapwatch's own settings; everything else gets the
 * parsed, frozen result (see src/app/open-app.ts). The README's environment table is
 * kept in step with this table by tests/process-config.test.ts.
 *
 * An empty variable counts as unset, so `FOO= mapwatch …` falls back to the default.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { isCurrencyCode } from '../normalize/currency.js';
import { allowEntryProblem } from './allow-private.js';

const list = z
  .string()
  .optional()
  .transform((s) =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : [],
  );
const optionalString = z.string().optional();
/** The named ranges Express's "trust proxy" (proxy-addr) knows. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const ms = (min: number, dflt: number) => z.coerce.number().int().min(min).max(3_600_000).default(dflt);

const severityBands = z
  .string()
  .default('low:0,medium:5,high:15')
  .transform((s, ctx) => {
    const bands = s.split(',').map((part) => {
      const [name, min] = part.split(':');
      return { name: (name ?? '').trim(), minPercentBelow: Number(min) };
    });
    if (bands.some((b) => !b.name || !Number.isFinite(b.minPercentBelow) || b.minPercentBelow < 0)) {
      ctx.addIssue({ code: 'custom', message: 'must look like low:0,medium:5,high:15' });
      return z.NEVER;
    }
    return bands.sort((a, b) => a.minPercentBelow - b.minPercentBelow);
  });

export interface ConfigField {
  schema: z.ZodType;
  /** The default as a reader sees it (README table). */
  default: string;
  description: string;
}

/** Every setting, in the order the README lists them. */
export const CONFIG_FIELDS = {
  DATABASE_URL: {
    schema: z.string().url().optional(),
    default: 'unset (embedded PGlite)',
    description: 'Postgres connection string',
  },
  MAPWATCH_DB_SCHEMA: {
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier')
      .default('public'),
    default: '`public`',
    description: "Postgres schema for mapwatch's tables",
  },
  REDIS_URL: {
    schema: optionalString,
    default: 'unset (PostgreSQL backend)',
    description: 'Redis for the queues and the domain gate',
  },
  MAPWATCH_DATA_DIR: {
    schema: z.string().default('.mapwatch'),
    default: '`.mapwatch`',
    description: 'embedded database, evidence files and the `.eml` outbox',
  },
  MAPWATCH_EVIDENCE_URL: {
    schema: optionalString,
    default: '`<data dir>/evidence`',
    description:
      "where evidence files go: `s3://bucket/prefix` (an S3-compatible bucket every machine shares; credentials and region from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` or the SDK's other sources), or a directory",
  },
  MAPWATCH_S3_ENDPOINT: {
    schema: z.string().url().optional(),
    default: 'unset (AWS S3)',
    description:
      'endpoint of an S3-compatible server for `MAPWATCH_EVIDENCE_URL=s3://…` (MinIO, R2), addressed path-style',
  },
  MAPWATCH_EVIDENCE_RETENTION_DAYS: {
    schema: z.coerce.number().int().min(0).max(36_500).default(30),
    default: '`30`',
    description:
      'days after which the files of reads that changed no case are removed by the retention job (case evidence is always kept); `0`: never',
  },
  MAPWATCH_CRAWLERS_DIR: {
    schema: z.string().default('crawlers'),
    default: '`crawlers`',
    description: 'folder of site configs',
  },
  MAPWATCH_CONFIG: {
    schema: optionalString,
    default: '`mapwatch.config.yaml`',
    description: 'config file with the `notify:` section (must exist when set)',
  },
  MAPWATCH_ALLOW_PRIVATE: {
    // Each entry must be an IP, a CIDR, a host name or a *.suffix: "10.0.0.0/99" is refused, not taken for a host.
    schema: list.superRefine((entries, ctx) => {
      for (const entry of entries) {
        const problem = allowEntryProblem(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: `"${entry}" ${problem}` });
      }
    }),
    default: 'empty',
    description:
      'comma-separated private/loopback hosts, `*.suffix`es, IPs or CIDRs the crawler may fetch (refused by default; a malformed entry stops the program)',
  },
  MAPWATCH_USER_AGENT: {
    schema: optionalString,
    default: '`mapwatch/<version> (+…)`',
    description: 'User-Agent for all sites (a site config can override it)',
  },
  MAPWATCH_CHROMIUM: {
    schema: optionalString,
    default: 'found on PATH',
    description: 'path of the Chromium/Chrome executable for `render: browser` sites and screenshots',
  },
  MAPWATCH_QUEUE_UI: {
    schema: optionalString,
    default: 'off',
    description:
      '`1` lets MAPWATCH_ADMIN_TOKEN open bull-board at `/queues` (signed-in ops and admin users always can; see Security model)',
  },
  MAPWATCH_ADMIN_TOKEN: {
    schema: optionalString,
    default: 'unset',
    description: 'admin token (16+ characters) for the queue UI: bearer token, or the basic-auth password',
  },
  MAPWATCH_ALLOWED_HOSTS: {
    schema: list,
    default: 'empty',
    description: 'extra `Host` names `mapwatch serve` answers (localhost names and the bound address always)',
  },
  MAPWATCH_SECURE_COOKIES: {
    schema: z
      .string()
      .optional()
      .transform((s) => s?.trim().toLowerCase())
      .refine((s) => s === undefined || ['1', '0', 'true', 'false', 'yes', 'no'].includes(s), {
        message: 'must be 1 or 0',
      })
      .transform((s) => s === '1' || s === 'true' || s === 'yes'),
    default: 'off',
    description:
      '`1` when users reach `mapwatch serve` over HTTPS (a TLS proxy): Secure `__Host-` session cookie and HSTS',
  },
  MAPWATCH_OIDC_ISSUER: {
    schema: z.string().url().optional(),
    default: 'unset (SSO off)',
    description: 'OpenID Connect issuer URL: turns on "Sign in with SSO" (see Single sign-on)',
  },
  MAPWATCH_OIDC_CLIENT_ID: {
    schema: optionalString,
    default: 'unset',
    description: 'client id registered at the provider (required with the issuer)',
  },
  MAPWATCH_OIDC_CLIENT_SECRET: {
    schema: optionalString,
    default: 'unset (public client, PKCE only)',
    description: 'client secret registered at the provider',
  },
  MAPWATCH_OIDC_REDIRECT_URL: {
    schema: z.string().url().optional(),
    default: 'unset',
    description: "this server's public URL of `/auth/oidc/callback` (required with the issuer)",
  },
  MAPWATCH_OIDC_SCOPES: {
    schema: z.string().default('openid email profile'),
    default: '`openid email profile`',
    description: 'scopes asked for (add the one that releases the role claim, e.g. `groups`)',
  },
  MAPWATCH_OIDC_ROLE_CLAIM: {
    schema: z.string().default('groups'),
    default: '`groups`',
    description: 'ID-token or userinfo claim whose values decide the role',
  },
  MAPWATCH_OIDC_ROLES: {
    schema: optionalString,
    default: 'unset',
    description:
      '`CLAIM_VALUE=ROLE` pairs, first match wins, `*=viewer` for anyone; no match is refused (required with the issuer)',
  },
  MAPWATCH_OIDC_LABEL: {
    schema: z.string().default('Sign in with SSO'),
    default: '`Sign in with SSO`',
    description: "the sign-in page's SSO button",
  },
  MAPWATCH_TRUST_PROXY: {
    // Addresses only (what Express's "trust proxy" matches the socket's peer against): a host
    // name here would never match, and trusting every peer would let anyone pick their address.
    schema: list.superRefine((entries, ctx) => {
      for (const entry of entries) {
        if (PROXY_NAMES.has(entry)) continue;
        const problem = allowEntryProblem(entry);
        if (problem || !(isIP(entry) || entry.includes('/')))
          ctx.addIssue({
            code: 'custom',
            message: `"${entry}" ${problem ?? 'is not an IP address'}; list proxy addresses, CIDR ranges, loopback, linklocal or uniquelocal`,
          });
      }
    }),
    default: 'off',
    description:
      'comma-separated addresses or CIDRs (or `loopback`, `linklocal`, `uniquelocal`) of the reverse proxies in front of `mapwatch serve`: only requests from them have `X-Forwarded-For` (login limit), `-Host` (Host checks) and `-Proto` believed',
  },
  MAPWATCH_TOLERANCE_PERCENT: {
    schema: z.coerce.number().min(0).max(99).default(0),
    default: '`0`',
    description: 'how far below MAP, in percent, a price can be and still count as compliant',
  },
  MAPWATCH_SEVERITY_BANDS: {
    schema: severityBands,
    default: '`low:0,medium:5,high:15`',
    description: 'severity by percent below MAP',
  },
  MAPWATCH_RESOLVE_AFTER: {
    schema: z.coerce.number().int().min(1).default(2),
    default: '`2`',
    description: 'clean reads in a row that resolve a case',
  },
  MAPWATCH_REPORT_TIME_ZONE: {
    schema: z
      .string()
      .default('UTC')
      .refine(
        (tz) => {
          // UTC (the default) is always valid: checking it would set up Intl's time zone data,
          // 20–60 ms of every command's start that reads the configuration.
          if (tz === 'UTC') return true;
          try {
            new Intl.DateTimeFormat('en', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be an IANA time zone such as Europe/Berlin or America/New_York' },
      ),
    default: '`UTC`',
    description: 'the time zone whose calendar days the KPI rollups and reports use',
  },
  MAPWATCH_SMTP_URL: {
    schema: optionalString,
    default: 'unset (`.eml` files in `<data dir>/outbox`)',
    description: 'SMTP server for notifications, credentials included',
  },
  MAPWATCH_HEALTH_MIN_SUCCESS: {
    schema: z.coerce.number().min(0).max(1).default(0.5),
    default: '`0.5`',
    description: 'extraction success rate below which a site is suppressed',
  },
  MAPWATCH_HEALTH_MIN_READS: {
    schema: z.coerce.number().int().min(1).default(5),
    default: '`5`',
    description: 'page reads needed before the rate counts',
  },
  MAPWATCH_HEALTH_RECOVER_AFTER: {
    schema: z.coerce.number().int().min(1).default(3),
    default: '`3`',
    description: 'good reads in a row that lift a suppression',
  },
  MAPWATCH_JOB_LOCK_MS: {
    schema: ms(1000, 60_000),
    default: '`60000`',
    description: "a worker's lock on each active job (renewed every half of it)",
  },
  MAPWATCH_STALLED_INTERVAL_MS: {
    schema: ms(500, 30_000),
    default: '`30000`',
    description: 'how often workers look for jobs whose lock lapsed (at most the lock)',
  },
  MAPWATCH_MAX_STALLED: {
    schema: z.coerce.number().int().min(1).max(100).default(2),
    default: '`2`',
    description: 'times a job may be recovered from a dead worker before it fails',
  },
  MAPWATCH_DEFAULT_CURRENCY: {
    schema: z
      .string()
      .optional()
      .transform((s) => s?.trim().toUpperCase())
      .refine((s) => s === undefined || isCurrencyCode(s), {
        message: 'must be an ISO 4217 currency code such as USD',
      }),
    default: 'unset',
    description:
      'market currency for a page that settles none itself (a `$` on a generic domain with no site currency); unset: such a page gives no price',
  },
  MAPWATCH_SIGNING_KEY: {
    schema: optionalString,
    default: '`<data dir>/keys/signing-key.pem`',
    description:
      'Ed25519 private key (PEM, mode 0600; `mapwatch keys create` writes it and `<file>.pub`) that signs evidence bundles and their WACZ captures; no key there: bundles are unsigned',
  },
  MAPWATCH_TSA_URL: {
    schema: z.string().url().optional(),
    default: 'unset (no timestamps)',
    description:
      'RFC 3161 timestamp authority that timestamps every exported manifest (export fails if it does not answer)',
  },
  MAPWATCH_TSA_CA: {
    schema: optionalString,
    default: 'unset',
    description:
      "PEM file of the TSA's CA certificate(s): `evidence verify` then requires every timestamp to chain to one (same as `--tsa-ca`)",
  },
  MAPWATCH_DEBUG: {
    schema: z
      .string()
      .optional()
      .transform((s) => s !== undefined && s !== '0' && s !== 'false'),
    default: 'unset',
    description: 'print the stack trace of an internal error',
  },
} as const satisfies Record<string, ConfigField>;

export type ConfigName = keyof typeof CONFIG_FIELDS;

const configSchema = z
  .object(
    Object.fromEntries(Object.entries(CONFIG_FIELDS).map(([k, f]) => [k, f.schema])) as {
      [K in ConfigName]: (typeof CONFIG_FIELDS)[K]['schema'];
    },
  )
  .refine((s) => s.MAPWATCH_STALLED_INTERVAL_MS <= s.MAPWATCH_JOB_LOCK_MS, {
    message:
      'must not be longer than MAPWATCH_JOB_LOCK_MS (a lapsed lock would go unnoticed for longer than the lock itself)',
    path: ['MAPWATCH_STALLED_INTERVAL_MS'],
  });

export type ProcessConfig = Readonly<
  z.output<typeof configSchema> & {
    /** MAPWATCH_DATA_DIR, absolute. */
    dataDir: string;
    /** MAPWATCH_CRAWLERS_DIR, absolute. */
    crawlersDir: string;
  }
>;

/** Parses the given environment (default: this process's) against the field table. */
export function loadProcessConfig(source: NodeJS.ProcessEnv = process.env): ProcessConfig {
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.keys(CONFIG_FIELDS)) picked[name] = source[name] === '' ? undefined : source[name];
  const parsed = configSchema.safeParse(picked);
  if (!parsed.success) {
    throw new InvalidInputError(
      parsed.error.issues.map((i) => `environment variable ${i.path.join('.')}: ${i.message}`).join('\n'),
    );
  }
  return Object.freeze({
    ...parsed.data,
    dataDir: path.resolve(parsed.data.MAPWATCH_DATA_DIR),
    crawlersDir: path.resolve(parsed.data.MAPWATCH_CRAWLERS_DIR),
  });
}

let cached: ProcessConfig | undefined;

/** This process's configuration, parsed once. */
export function processConfig(): ProcessConfig {
  cached ??= loadProcessConfig();
  return cached;
}

/** The README table, generated from the field table (the test compares the two). */
export function configTableMarkdown(): string {
  const rows = Object.entries(CONFIG_FIELDS).map(([k, f]) => `| \`${k}\` | ${f.default} | ${f.description} |`);
  return ['| Variable | Default | What it sets |', '| --- | --- | --- |', ...rows].join('\n');
}
