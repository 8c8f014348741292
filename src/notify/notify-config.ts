/**
 * The `notify:` section of mapwatch.config.yaml: who gets which alert and digest, the
 * notice ladder (cool-down, auto-send, reset after N clean days) and the jurisdiction
 * guard. Validated by zod; every problem names the file, line and field. Secrets (the
 * SMTP password) never live here: they come from MAPWATCH_SMTP_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isValidTimeZone } from '../compare/zoned-time.js';
import { fieldPath, lineOf, readYamlFile } from '../config/read-yaml.js';
import { InputError, type InputProblem } from '../errors.js';
import { processConfig } from '../config/process-config.js';

const email = z.email({ message: 'must be an email address like name@example.com' });
const timeZone = z.string().refine(isValidTimeZone, { message: 'must be an IANA time zone such as America/New_York' });
const names = z.array(z.string().min(1)).optional();

export const recipientSchema = z
  .object({
    email,
    name: z.string().optional(),
    /** Immediate alerts for new cases at or above `alerts.min_severity`. */
    alerts: z.boolean().default(true),
    /** The daily digest. */
    digest: z.boolean().default(true),
    /** The weekly KPI report (Mondays at `digest_at` local time): last week by reseller, with a CSV. */
    weekly_report: z.boolean().default(true),
    time_zone: timeZone.default('UTC'),
    /** Local wall-clock time the digest is due, HH:MM. */
    digest_at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM, e.g. 08:00' })
      .default('08:00'),
    /** Only cases matching every given list (brand of the product, reseller region, tier or name). */
    brands: names,
    regions: names,
    tiers: names,
    resellers: names,
  })
  .strict();

export const notifySchema = z
  .object({
    from: z.string().min(3).default('mapwatch <mapwatch@localhost>'),
    reply_to: email.optional(),
    /** The brand owner as named in notices ("Northwind Audio"). */
    company: z.string().min(1).default('The manufacturer'),
    /** The MAP policy the notice letter cites ("Northwind Audio MAP Policy 2026" and where to read it). */
    map_policy: z
      .object({
        name: z.string().min(1),
        url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
      })
      .strict()
      .optional(),
    /** A folder of templates overriding the bundled ones file by file; relative to the config file. */
    templates_dir: z.string().optional(),
    /** Receives site-health alerts (broken extraction, blocked sites) and discovery's new, moved and gone listings. */
    ops: z.array(email).default([]),
    alerts: z
      .object({ min_severity: z.string().min(1).default('medium') })
      .strict()
      .default({ min_severity: 'medium' }),
    recipients: z.array(recipientSchema).default([]),
    notices: z
      .object({
        /** Send ladder steps without a person approving them. */
        auto_send: z.boolean().default(false),
        cooldown_days: z.number().min(0).default(7),
        /** A reseller's violation level drops back to 0 after this many days without a case. */
        reset_after_days_clean: z.number().int().min(1).default(90),
        /** Attach the notice letter (a PDF: the price, the MAP, the screenshots) once the case has evidence. */
        attach_evidence: z.boolean().default(true),
        /**
         * Resellers' local time zones by reseller name, for the letter's "seen at" time (the
         * catalog does not hold one). A reseller not listed gets UTC, and the letter says so.
         */
        time_zones: z.record(z.string(), timeZone).default({}),
        /**
         * Jurisdiction guard: no notices to resellers in these regions. `EEA` covers every
         * EU/EEA member's ISO code. A reseller with no region gets no notice either.
         */
        blocked_regions: z.array(z.string().min(2)).default(['EEA']),
        blocked_reason: z
          .string()
          .default(
            'resale price maintenance is restricted in this jurisdiction (EU/EEA competition law); enforce through other means',
          ),
      })
      .strict()
      .prefault({}),
    /** Retries before an outbox row is marked failed. */
    max_attempts: z.number().int().min(1).max(50).default(6),
  })
  .strict();

export type NotifyConfig = z.infer<typeof notifySchema> & {
  /** absolute, or undefined for bundled only */ templatesDir?: string;
  file?: string;
  /** Where screenshots for digests and notices are read from (default `<data dir>/evidence`): the store the crawl wrote to. */
  evidenceStore?: import('../evidence/evidence-store.js').EvidenceStore;
  /** Renders the notice letter PDF (absent: a notice with evidence waits, with the reason, until one is given). */
  browser?: import('../fetch/browser/browser-pool.js').BrowserPool;
};
export type Recipient = z.infer<typeof recipientSchema>;

export function defaultNotifyConfig(): NotifyConfig {
  return notifySchema.parse({});
}

/** Reads `notify:` from the config file. A missing file means defaults (no recipients). */
export function loadNotifyConfig(file?: string): NotifyConfig {
  // An explicit file (an argument or MAPWATCH_CONFIG) must exist; the default one may be absent.
  const explicit = file ?? processConfig().MAPWATCH_CONFIG;
  const abs = path.resolve(explicit ?? 'mapwatch.config.yaml');
  const rel = path.relative(process.cwd(), abs) || abs;
  if (!fs.existsSync(abs)) {
    if (explicit !== undefined && file === undefined)
      throw new InputError([{ file: rel, message: 'no such config file (set by MAPWATCH_CONFIG)' }]);
    return defaultNotifyConfig();
  }
  const read = readYamlFile(abs, rel);
  if (!read.yaml) throw new InputError(read.problems);
  const { doc, lc } = read.yaml;
  const root = (read.yaml.value ?? {}) as Record<string, unknown>;
  const parsed = notifySchema.safeParse(root.notify ?? {});
  if (!parsed.success) {
    const problems: InputProblem[] = parsed.error.issues.map((i) => {
      const p = ['notify', ...i.path] as (string | number)[];
      return { file: rel, line: lineOf(doc, lc, p), field: fieldPath(p), message: i.message };
    });
    throw new InputError(problems);
  }
  const cfg: NotifyConfig = { ...parsed.data, file: abs };
  if (cfg.templates_dir) cfg.templatesDir = path.resolve(path.dirname(abs), cfg.templates_dir);
  return cfg;
}

/** Checks the parts of the config that depend on the comparison policy. */
export function checkSeverity(cfg: NotifyConfig, severityOrder: readonly string[]): void {
  if (!severityOrder.includes(cfg.alerts.min_severity)) {
    throw new InputError([
      {
        file: cfg.file ? path.relative(process.cwd(), cfg.file) : 'mapwatch.config.yaml',
        field: 'notify.alerts.min_severity',
        message: `"${cfg.alerts.min_severity}" is not a severity band (known: ${severityOrder.join(', ')}; see MAPWATCH_SEVERITY_BANDS)`,
      },
    ]);
  }
}
