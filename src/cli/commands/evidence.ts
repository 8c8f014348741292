/**
 * `mapwatch evidence export|verify|purge`: tamper-evident evidence bundles, the database hash
 * chain, and retention. Every one uses the configured store (MAPWATCH_EVIDENCE_URL).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { LocalEvidenceStore } from '../../evidence/evidence-store.js';
import { openEvidenceStore } from '../../evidence/open-evidence-store.js';
import { exportCaseBundle } from '../../evidence/export-bundle.js';
import { type BundleReport, verifyBundleFile } from '../../evidence/verify-bundle.js';
import { verifyBundleAgainstDb } from '../../evidence/verify-bundle-db.js';
import { verifyChain } from '../../evidence/verify-chain.js';
import { checkPublishedHead } from '../../evidence/chain-head.js';
import { type EnvLoader, withDb } from '../with-db.js';

function caseId(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--case: must be a case number such as 12, got "${v}"`);
  return n;
}

export function registerEvidenceCommands(program: Command, env: EnvLoader): void {
  const ev = program.command('evidence').description('evidence bundles and the tamper-evident hash chain');
  ev.command('export')
    .description('write all evidence of one case, its manifests and a summary to a zip')
    .requiredOption('--case <n>', 'case number (see `mapwatch cases`)', caseId)
    .requiredOption('--out <file>', 'zip file to write')
    .action(async (opts: { case: number; out: string }) => {
      const e = env();
      const store = openEvidenceStore(e);
      const out = path.resolve(opts.out);
      if (!fs.existsSync(path.dirname(out))) throw new UserError(`--out: folder ${path.dirname(out)} does not exist`);
      const r = await withDb(e, ({ db }) => exportCaseBundle(db, store, opts.case));
      fs.writeFileSync(out, r.zip);
      if (!r.missing.length) {
        console.log(`Wrote ${opts.out}: case ${opts.case}, ${r.evidence} evidence record(s), ${r.files} file(s).`);
        return;
      }
      // Partial evidence is still worth keeping, but it must never pass for a complete bundle.
      const lines = r.missing.map((m) => `  evidence #${m.evidenceId} ${m.role}: ${m.path} (store key ${m.key})`);
      const dir = store.location;
      const where =
        !(store instanceof LocalEvidenceStore) || fs.existsSync(dir)
          ? `the evidence store at ${dir} does not have them`
          : `the evidence store ${dir} does not exist here: run the export where MAPWATCH_DATA_DIR holds the crawler's data (in Docker, mount the data volume), or share one store (MAPWATCH_EVIDENCE_URL=s3://…)`;
      process.stderr.write(
        `mapwatch: INCOMPLETE bundle ${opts.out}: case ${opts.case}, ${r.evidence} evidence record(s), ` +
          `${r.files} file(s) written, ${r.missing.length} file(s) missing; ${where}:\n${lines.join('\n')}\n`,
      );
      process.exitCode = 1;
    });
  ev.command('verify')
    .description('recompute every hash of a bundle (FILE.zip), or of the database chain (--db)')
    .argument('[file]', 'bundle written by `mapwatch evidence export`')
    .option('--db', 'check the hash chain in the database and every stored file')
    .option(
      '--head <sha256>',
      'with --db: also check that the chain still reaches this head (printed in every digest email)',
    )
    .action(async (file: string | undefined, opts: { db?: boolean; head?: string }) => {
      if (opts.head && !/^[0-9a-f]{64}$/.test(opts.head))
        throw new UserError(`--head: "${opts.head}" is not a SHA-256 hex digest`);
      if (opts.head && !opts.db) throw new UserError('--head goes with --db');
      if (!file && !opts.db) throw new UserError('give a bundle FILE.zip to verify, or --db');
      let bad = 0;
      let bundle: BundleReport | undefined;
      if (file) {
        if (!fs.existsSync(file)) throw new UserError(`${file}: no such file`);
        const r = verifyBundleFile(file);
        bundle = r;
        for (const p of r.problems) console.log(`FAIL  ${file}: ${p}`);
        if (!r.problems.length)
          console.log(
            `ok  ${file}: case ${r.caseId}, ${r.manifests} manifest(s), ${r.files} file(s), every hash matches`,
          );
        bad += r.problems.length;
      }
      if (opts.db) {
        const e = env();
        const r = await withDb(e, async ({ db }) => {
          const report = await verifyChain(db, openEvidenceStore(e));
          if (opts.head) report.problems.push(...(await checkPublishedHead(db, opts.head)));
          if (bundle)
            report.problems.push(
              ...(await verifyBundleAgainstDb(db, bundle, { head: opts.head })).map((p) => `${file}: ${p}`),
            );
          return report;
        });
        for (const p of r.problems) console.log(`FAIL  database: ${p}`);
        if (!r.problems.length)
          console.log(
            `ok  database: ${r.rows} evidence row(s) and ${r.events} case event(s) chained, ${r.files} file(s) match their hashes` +
              (bundle ? `, ${file} matches the chain` : ''),
          );
        bad += r.problems.length;
      }
      if (bad) process.exitCode = 1;
    });
  ev.command('purge')
    .description(
      'remove the stored files of reads that changed no case, older than N days (what the daily retention job does)',
    )
    .option('--older-than <days>', 'days (default: MAPWATCH_EVIDENCE_RETENTION_DAYS)', days)
    .option('--dry-run', 'count what would be removed, remove nothing')
    .action(async (opts: { olderThan?: number; dryRun?: boolean }) => {
      const e = env();
      const olderThan = opts.olderThan ?? e.MAPWATCH_EVIDENCE_RETENTION_DAYS;
      if (olderThan < 1)
        throw new UserError('MAPWATCH_EVIDENCE_RETENTION_DAYS is 0 (keep everything): give --older-than DAYS');
      const { purgeEvidence } = await import('../../evidence/purge-evidence.js');
      const r = await withDb(e, ({ db }) =>
        purgeEvidence(db, { store: openEvidenceStore(e), olderThanDays: olderThan, dryRun: opts.dryRun }),
      );
      const mib = (r.purgedBytes / 1048576).toFixed(1);
      console.log(
        `${r.dryRun ? 'Would remove' : 'Removed'} ${r.purged} file(s), ${mib} MiB, of reads that changed no case and were not stored for ${olderThan} days, from ${r.store}; ` +
          `${r.scanned} file(s) scanned, ${r.keptChained} old file(s) kept as case evidence, ${r.keptRestored} stored again since.`,
      );
    });
}

function days(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`--older-than: must be a whole number of days (1 or more), got "${v}"`);
  return n;
}
