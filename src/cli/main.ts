/**
 * The `mapwatch` command line. Every command either works or exits non-zero with a
 * message naming the file, field or argument at fault; stack traces only appear for
 * internal errors, and only with MAPWATCH_DEBUG=1.
 */
import { Command, CommanderError } from 'commander';
import { ERROR_CODES, MapwatchError, USAGE_EXIT } from '../errors.js';
import type { EnvLoader } from './with-db.js';
import { VERSION } from '../version.js';
import { redactUrl } from '../redact-url.js';

type Register = (program: Command, env: EnvLoader) => void;

/**
 * Each command group's module, loaded only when its command runs: `mapwatch price` must not
 * load the database driver, BullMQ or Playwright (start-up is most of its run time).
 */
const GROUPS: Record<string, () => Promise<Register>> = {
  catalog: async () => (await import('./commands/catalog.js')).registerCatalogCommands,
  crawl: async () => (await import('./commands/crawl.js')).registerCrawlCommands,
  cases: async () => (await import('./commands/cases.js')).registerCasesCommands,
  findings: async () => (await import('./commands/findings.js')).registerFindingsCommands,
  notify: async () => (await import('./commands/notify.js')).registerNotifyCommands,
  tools: async () => (await import('./commands/tools.js')).registerToolCommands,
  evidence: async () => (await import('./commands/evidence.js')).registerEvidenceCommands,
  queue: async () => (await import('./commands/queue.js')).registerQueueCommands,
  kpis: async () => (await import('./commands/kpis.js')).registerKpiCommands,
  users: async () => (await import('./commands/users.js')).registerUserCommands,
  learn: async () => (await import('./commands/learn.js')).registerLearnCommands,
  report: async () => (await import('./commands/report.js')).registerReportCommands,
  discover: async () => (await import('./commands/discover.js')).registerDiscoverCommands,
};

/** Top-level command → the groups that define it (`sites` has subcommands in two). */
const COMMAND_GROUPS: Record<string, (keyof typeof GROUPS)[]> = {
  migrate: ['catalog'],
  import: ['catalog'],
  sites: ['crawl', 'queue', 'learn'],
  crawl: ['crawl'],
  cases: ['cases'],
  findings: ['findings'],
  'approve-notice': ['cases'],
  dismiss: ['cases'],
  outbox: ['notify'],
  digest: ['notify'],
  extract: ['tools'],
  price: ['tools'],
  demo: ['tools'],
  evidence: ['evidence'],
  keys: ['evidence'],
  worker: ['queue'],
  scheduler: ['queue'],
  serve: ['queue'],
  queues: ['queue'],
  kpis: ['kpis'],
  rollup: ['kpis'],
  audit: ['kpis'],
  report: ['report'],
  users: ['users'],
  tokens: ['users'],
  discover: ['discover'],
  listings: ['discover'],
};

/**
 * Commands that never read the process configuration. They skip loading it: its zod field table
 * pulls in about 220 modules, most of `mapwatch price`'s start-up time.
 */
const CONFIG_FREE_COMMANDS = new Set(['price']);

let envModule: typeof import('../config/env.js') | undefined;

/** The process configuration, for commands (loaded by buildProgram for every command that may read it). */
const loadEnv: EnvLoader = () => {
  if (!envModule) throw new Error('the process configuration was read by a command listed as not reading it');
  return envModule.env();
};

/** The program with the commands `argv` needs; all of them for help, a bare call or an unknown command. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('mapwatch')
    .description('Self-hosted MAP (minimum advertised price) compliance monitor')
    .version(VERSION)
    .showHelpAfterError('(run `mapwatch --help` for usage)')
    .exitOverride();
  const args = argv.slice(2);
  const first = args.find((a) => !a.startsWith('-'));
  // `mapwatch --version` needs no command at all; help, a bare call or an unknown command need them all.
  const versionOnly = !first && args.length > 0 && args.every((a) => a === '-V' || a === '--version');
  const wanted = versionOnly
    ? []
    : (first && COMMAND_GROUPS[first]) || (Object.keys(GROUPS) as (keyof typeof GROUPS)[]);
  if (!versionOnly && (!first || !CONFIG_FREE_COMMANDS.has(first))) envModule ??= await import('../config/env.js');
  // Registration order is the help's order; the `crawl` group must come before `queue` (`sites`).
  for (const name of Object.keys(GROUPS)) if (wanted.includes(name)) (await GROUPS[name]!())(program, loadEnv);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0; usage errors are already printed.
    return err.exitCode === 0 ? 0 : USAGE_EXIT;
  }
  if (err instanceof MapwatchError && err.code !== 'internal') {
    // Every code has its own exit status (README, "Exit codes"); the message says what to fix.
    process.stderr.write(`mapwatch: ${redactUrl(err.message)}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`mapwatch: internal error: ${redactUrl(e?.message ?? String(err))}\n`);
  if (debugEnabled()) process.stderr.write(`${redactUrl(e?.stack ?? '')}\n`);
  else process.stderr.write('(set MAPWATCH_DEBUG=1 to see the stack trace, and please report it)\n');
  return ERROR_CODES.internal.exit;
}

/**
 * MAPWATCH_DEBUG from the process configuration; an invalid configuration must not hide the stack.
 * A command that did not load the configuration reads the variable as its field does (set, and not 0/false).
 */
function debugEnabled(): boolean {
  if (!envModule) {
    const raw = process.env['MAPWATCH_DEBUG'];
    return raw !== undefined && raw !== '0' && raw !== 'false';
  }
  try {
    return envModule.env().MAPWATCH_DEBUG;
  } catch {
    return false;
  }
}
