/** `mapwatch cases` (list), `cases approve-notice N`, `cases dismiss N --note TEXT`, `cases reopen N --note TEXT`. */
import os from 'node:os';
import { type Command, Option } from 'commander';
import { type Role, ROLES } from '../../cases/actor.js';
import { loadPolicy } from '../../config/policy.js';
import { CASE_SORTS, caseFilterSchema } from '../../queries/case-filter.js';
import { UserError } from '../../errors.js';
import { listCases } from '../../queries/list-cases.js';
import { json } from '../output.js';
import { formatCases } from '../print.js';
import { type EnvLoader, withDb } from '../with-db.js';

export function caseId(v: string): number {
  const n = Number(v.replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1) throw new UserError(`case: must be a case number like 12, got "${v}"`);
  return n;
}

export function registerCasesCommands(program: Command, env: EnvLoader): void {
  const cases = program
    .command('cases')
    .description('list violation cases; approve notices; dismiss and reopen cases')
    .addOption(
      new Option('--status <status>', 'only cases in this status').choices([
        'open',
        'notified',
        'resolved',
        'dismissed',
      ]),
    )
    .option('--severity <names>', 'only these severities (comma-separated)')
    .option('--reseller <name>', 'only this reseller')
    .option('--site <name>', 'only this site')
    .option('--brand <name>', 'only this brand')
    .option('--sku <sku>', 'only this SKU')
    .option('--tier <tier>', 'only resellers of this tier')
    .option('--region <region>', 'only resellers in this region')
    .option('--seller <text>', 'only marketplace sellers whose name contains this')
    .option('--assignee <email>', 'only cases assigned to this person (`none`: unassigned)')
    .option('--search <words>', 'words in the product name, SKU or reseller name')
    .option('--older-than-days <n>', 'only cases first seen more than N days ago')
    .addOption(new Option('--sort <key>', 'sort by').choices([...CASE_SORTS]).default('last_seen'))
    .addOption(new Option('--dir <dir>', 'sort direction').choices(['asc', 'desc']).default('desc'))
    .option('--limit <n>', 'cases per page (1–1000)', (v) => wholeNumber('--limit', v), 100)
    .option('--offset <n>', 'cases to skip', (v) => wholeNumber('--offset', v), 0)
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, string | undefined> & { json?: boolean; limit: number; offset: number }) => {
      const parsed = caseFilterSchema.safeParse({ ...opts, q: opts.search, older_than_days: opts.olderThanDays });
      if (!parsed.success)
        throw new UserError(
          parsed.error.issues.map((i) => `--${String(i.path[0]).replace(/_/g, '-')}: ${i.message}`).join('; '),
        );
      const rows = await withDb(
        env(),
        ({ db }) =>
          listCases(db, {
            ...parsed.data,
            severityOrder: loadPolicy().severityOrder,
            limit: opts.limit,
            offset: opts.offset,
          }),
        { readsLittle: true },
      );
      if (opts.json) {
        console.log(json(rows));
        return;
      }
      if (!rows.length) {
        console.log(opts.status ? `No ${opts.status} cases.` : 'No cases yet.');
        return;
      }
      console.log(formatCases(rows));
      if (rows.length === opts.limit)
        console.log(
          `(cases ${opts.offset + 1}–${opts.offset + rows.length}; more with --offset ${opts.offset + rows.length})`,
        );
    });

  cases
    .command('approve-notice <case>')
    .description(
      "approve the proposed notice of a case: it goes to the reseller's contact_email once its cool-down ends",
    )
    .option('--by <name>', 'who approves (recorded on the case)', os.userInfo().username)
    .addOption(roleOption('compliance'))
    .action(async (id: string, opts: { by: string; role: Role }) => {
      // Loaded here, not with the case list: the notice path reads YAML and renders templates.
      const [{ checkSeverity, loadNotifyConfig }, { approveNotice }] = await Promise.all([
        import('../../notify/notify-config.js'),
        import('../../notify/approve-notice.js'),
      ]);
      const cfg = loadNotifyConfig();
      checkSeverity(cfg, loadPolicy().severityOrder);
      const r = await withDb(env(), ({ db }) =>
        approveNotice(db, caseId(id), cfg, { actor: { who: opts.by, role: opts.role } }),
      );
      if (!r.ok) throw new UserError(r.error);
      const when = r.dueAt.getTime() <= Date.now() + 1000 ? 'now' : `at ${r.dueAt.toISOString()} (cool-down)`;
      console.log(
        `Approved notice step ${r.step} for case #${caseId(id)} to ${r.to}; due ${when}. Outbox message ${r.outboxId}; send with \`mapwatch outbox --send\`.`,
      );
    });

  cases
    .command('dismiss <case>')
    .description('close a case as not a violation; a note saying why is required')
    .requiredOption('--note <text>', 'why the case is dismissed')
    .option('--by <name>', 'who dismisses (recorded on the case)', os.userInfo().username)
    .addOption(roleOption('compliance'))
    .action(async (id: string, opts: { note: string; by: string; role: Role }) => {
      const { dismissCase } = await import('../../cases/dismiss-case.js');
      await withDb(env(), ({ db }) =>
        dismissCase(db, caseId(id), opts.note, { actor: { who: opts.by, role: opts.role } }),
      );
      console.log(`Dismissed case #${caseId(id)}.`);
    });

  cases
    .command('reopen <case>')
    .description('reopen a dismissed or resolved case; a note saying why is required')
    .requiredOption('--note <text>', 'why the case is reopened')
    .option('--by <name>', 'who reopens (recorded on the case)', os.userInfo().username)
    .addOption(roleOption('compliance'))
    .action(async (id: string, opts: { note: string; by: string; role: Role }) => {
      const { reopenCase } = await import('../../cases/reopen-case.js');
      await withDb(env(), ({ db }) =>
        reopenCase(db, { caseId: caseId(id), note: opts.note, actor: { who: opts.by, role: opts.role } }),
      );
      console.log(`Reopened case #${caseId(id)}.`);
    });
}

function wholeNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UserError(`${flag}: must be a whole number, got "${v}"`);
  return n;
}

/** `--role`: the capacity in which the person acts, recorded with the name in the audit log. */
function roleOption(dflt: Role): Option {
  return new Option('--role <role>', 'the role you act in (recorded in the audit log)').choices(ROLES).default(dflt);
}
