/**
 * The `mapwatch` command line. Every command either works or exits non-zero with a
 * message naming the file, field or argument at fault; stack traces only appear for
 * internal errors, and only with MAPWATCH_DEBUG=1.
 */
import { Command, CommanderError } from 'commander';
import { env as loadEnv } from '../config/env.js';
import { UserError } from '../errors.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerCasesCommands } from './commands/cases.js';
import { registerCrawlCommands } from './commands/crawl.js';
import { registerNotifyCommands } from './commands/notify.js';
import { registerToolCommands } from './commands/tools.js';
import { registerEvidenceCommands } from './commands/evidence.js';
import { registerQueueCommands } from './commands/queue.js';
import { VERSION } from '../version.js';
import { redactUrl } from '../redact-url.js';

export function buildProgram(): Command {
  const program = new Command('mapwatch')
    .description('Self-hosted MAP (minimum advertised price) compliance monitor')
    .version(VERSION)
    .showHelpAfterError('(run `mapwatch --help` for usage)')
    .exitOverride();
  registerCatalogCommands(program, loadEnv);
  registerCrawlCommands(program, loadEnv);
  registerCasesCommands(program, loadEnv);
  registerNotifyCommands(program, loadEnv);
  registerToolCommands(program, loadEnv);
  registerEvidenceCommands(program, loadEnv);
  registerQueueCommands(program, loadEnv);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`mapwatch: ${redactUrl(err.message)}\n`);
    return 1;
  }
  const e = err as Error;
  process.stderr.write(`mapwatch: internal error: ${redactUrl(e?.message ?? String(err))}\n`);
  if (process.env.MAPWATCH_DEBUG) process.stderr.write(`${redactUrl(e?.stack ?? '')}\n`);
  else process.stderr.write('(set MAPWATCH_DEBUG=1 to see the stack trace, and please report it)\n');
  return 70;
}
