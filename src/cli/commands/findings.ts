/**
 * `mapwatch findings`: unauthorized marketplace sellers, MAP evasion ("see price in cart") and
 * grey-market signals (never MAP violations), per listing.
 */
import { type Command, Option } from 'commander';
import { UserError } from '../../errors.js';
import { describeFinding } from '../../queries/describe-finding.js';
import { type FindingKind, type FindingRow, listFindings } from '../../queries/list-findings.js';
import { json, safeText, table } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';

const KINDS: Record<string, FindingKind> = {
  evasion: 'map_evasion',
  unauthorized: 'unauthorized_seller',
  'grey-market': 'grey_market',
};
const KIND_LABEL: Record<FindingKind, string> = {
  map_evasion: 'MAP evasion',
  unauthorized_seller: 'unauthorized seller',
  grey_market: 'grey market',
};

function days(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`--days: must be a whole number of days (1 or more), got "${v}"`);
  return n;
}

export function formatFindings(rows: FindingRow[]): string {
  return table(
    ['kind', 'reseller', 'sku', 'finding', 'first seen (UTC)', 'last seen (UTC)', 'reads', 'url', 'evidence'],
    rows.map((f) => [
      KIND_LABEL[f.kind],
      safeText(f.reseller, 30),
      safeText(f.sku, 24),
      safeText(describeFinding(f), 80),
      f.firstSeenAt.toISOString().slice(0, 16).replace('T', ' '),
      f.lastSeenAt.toISOString().slice(0, 16).replace('T', ' '),
      String(f.reads),
      safeText(f.url, 60),
      // The full manifest hash: `mapwatch evidence verify --db` checks it in the chain.
      f.evidence ? `#${f.evidence.id} ${f.evidence.manifestSha256}` : '–',
    ]),
  );
}

export function registerFindingsCommands(program: Command, env: EnvLoader): void {
  program
    .command('findings')
    .description(
      'unauthorized marketplace sellers, MAP evasion ("see price in cart") and grey-market signals found on listing pages',
    )
    .addOption(new Option('--kind <kind>', 'only this kind of finding').choices(Object.keys(KINDS)))
    .option('--days <n>', 'only findings seen in the last N days', days)
    .option('--json', 'print as JSON')
    .action(async (opts: { kind?: string; days?: number; json?: boolean }) => {
      const since = opts.days ? new Date(Date.now() - opts.days * 86_400_000) : undefined;
      const rows = await withDb(env(), ({ db }) =>
        listFindings(db, { kind: opts.kind ? KINDS[opts.kind] : undefined, since }),
      );
      if (opts.json) {
        console.log(json(rows));
        return;
      }
      console.log(rows.length ? formatFindings(rows) : 'No findings.');
    });
}
