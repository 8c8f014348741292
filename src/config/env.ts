/**
 * Process environment, validated once and frozen. Secrets only ever come from here.
 */
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';

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

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Postgres schema for all mapwatch tables (tests give each run its own). */
  MAPWATCH_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default('public'),
  REDIS_URL: z
    .string()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  MAPWATCH_DATA_DIR: z.string().default('.mapwatch'),
  MAPWATCH_CRAWLERS_DIR: z.string().default('crawlers'),
  /** Private/loopback hosts, IPs or CIDRs the crawler may fetch (refused by default). */
  MAPWATCH_ALLOW_PRIVATE: list,
  MAPWATCH_USER_AGENT: z.string().optional(),
  /** `1` publishes bull-board at /queues (needs MAPWATCH_ADMIN_TOKEN); off by default. */
  MAPWATCH_QUEUE_UI: z.string().optional(),
  MAPWATCH_ADMIN_TOKEN: z.string().optional(),
  /** Host names `mapwatch serve` answers besides localhost and its bound address. */
  MAPWATCH_ALLOWED_HOSTS: list,
});

export type Env = Readonly<z.infer<typeof envSchema> & { dataDir: string; crawlersDir: string }>;

let cached: Env | undefined;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  return Object.freeze({
    ...parsed.data,
    dataDir: path.resolve(parsed.data.MAPWATCH_DATA_DIR),
    crawlersDir: path.resolve(parsed.data.MAPWATCH_CRAWLERS_DIR),
  });
}

/** The process-wide env, read once. */
export function env(): Env {
  cached ??= loadEnv();
  return cached;
}
