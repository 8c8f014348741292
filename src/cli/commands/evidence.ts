/**
 * `mapwatch evidence export|verify|purge`: tamper-evident evidence bundles, the database hash
 * chain, and retention, each on the configured store (MAPWATCH_EVIDENCE_URL);
 * `mapwatch keys create|public`: the organisation's signing key for bundles.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { sealOptionsFromConfig, signingKeyFile } from '../../evidence/seal-from-config.js';
import {
  keyFingerprint,
  loadSigningKey,
  publicKeyPem,
  readPublicKey,
  writeSigningKey,
} from '../../evidence/signing-key.js';
import { parseCertificates } from '../../evidence/timestamp-token.js';
import { UserError } from '../../errors.js';
import { LocalEvidenceStore } from '../../evidence/evidence-store.js';
import { openEvidenceStore } from '../../evidence/open-evidence-store.js';
import { exportCaseBundle } from '../../evidence/export-bundle.js';
import { type BundleReport, verifyBundleFile, verifyWaczFile } from '../../evidence/verify-bundle.js';
import { verifyBundleAgainstDb } from '../../evidence/verify-bundle-db.js';
import { verifyChain } from '../../evidence/verify-chain.js';
import { checkPublishedHead } from '../../evidence/chain-head.js';
import { type EnvLoader, withDb } from '../with-db.js';

/** MAPWATCH_TSA_CA, read only when verifying a file (a bad unrelated setting must not block verify). */
function processConfigTsaCa(env: EnvLoader): string | undefined {
  return env().MAPWATCH_TSA_CA;
}

function caseId(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--case: must be a case number such as 12, got "${v}"`);
  return n;
}

function tsaTrust(file: string, what: string) {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${what} ${file}: no such file`);
  }
  const certs = parseCertificates(pem);
  if (!certs.length) throw new UserError(`${what} ${file}: holds no PEM certificate`);
  return certs;
}

export function registerEvidenceCommands(program: Command, env: EnvLoader): void {
  const keys = program.command('keys').description("the organisation's Ed25519 key that signs evidence bundles");
  keys
    .command('create')
    .description('make a new signing key at MAPWATCH_SIGNING_KEY (mode 0600) and its public key beside it (.pub)')
    .option('--force', 'replace an existing key (bundles signed with the old one then verify only with its .pub)')
    .action((opts: { force?: boolean }) => {
      const file = signingKeyFile(env());
      const k = writeSigningKey(file, { force: opts.force });
      console.log(`Wrote signing key ${file} (mode 0600) and public key ${k.publicFile}.`);
      console.log(`Fingerprint: ${keyFingerprint(k.publicKey)}`);
      console.log(
        `Give ${path.basename(k.publicFile)} to whoever checks bundles: mapwatch evidence verify FILE --public-key it`,
      );
    });
  keys
    .command('public')
    .description('print the public key (PEM) and its fingerprint, to hand to whoever checks bundles')
    .action(() => {
      const k = loadSigningKey(signingKeyFile(env()));
      process.stdout.write(publicKeyPem(k.publicKey));
      process.stderr.write(`fingerprint ${keyFingerprint(k.publicKey)}\n`);
    });

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
      const seal = sealOptionsFromConfig(e);
      const r = await withDb(e, ({ db }) => exportCaseBundle(db, store, opts.case, seal));
      fs.writeFileSync(out, r.zip);
      if (!r.missing.length) {
        console.log(
          `Wrote ${opts.out}: case ${opts.case}, ${r.evidence} evidence record(s), ${r.files} file(s), ${r.wacz} WACZ capture(s); ${seal.note}.`,
        );
        return;
      }
      // Partial evidence is still worth keeping, but it must never pass for a complete bundle.
      const lines = r.missing.map(
        (m) =>
          `  evidence #${m.evidenceId} ${m.role}: ${m.path} (store key ${m.key}${m.altered ? `: the store's copy is altered, sha256 ${m.altered}` : ''})`,
      );
      const dir = store.location;
      const where =
        !(store instanceof LocalEvidenceStore) || fs.existsSync(dir)
          ? `the evidence store at ${dir} does not have them intact`
          : `the evidence store ${dir} does not exist here: run the export where MAPWATCH_DATA_DIR holds the crawler's data (in Docker, mount the data volume), or share one store (MAPWATCH_EVIDENCE_URL=s3://…)`;
      process.stderr.write(
        `mapwatch: INCOMPLETE bundle ${opts.out}: case ${opts.case}, ${r.evidence} evidence record(s), ` +
          `${r.files} file(s) written, ${r.missing.length} file(s) missing; ${where}:\n${lines.join('\n')}\n`,
      );
      process.exitCode = 1;
    });
  ev.command('verify')
    .description(
      'recompute every hash of a bundle (FILE.zip) or a WACZ (FILE.wacz) and check its signatures and timestamps offline, or the database chain (--db)',
    )
    .argument('[file]', 'bundle written by `mapwatch evidence export`, or one of its captures/*.wacz')
    .option(
      '--public-key <file>',
      "the organisation's public key (`mapwatch keys public`): every signature must be by it",
    )
    .option(
      '--tsa-ca <file>',
      "the TSA's CA certificate(s), PEM: every timestamp must chain to one (or MAPWATCH_TSA_CA)",
    )
    .option('--db', 'check the hash chain in the database and every stored file')
    .option(
      '--head <sha256>',
      'with --db: also check that the chain still reaches this head (printed in every digest email)',
    )
    .action(
      async (file: string | undefined, opts: { db?: boolean; head?: string; publicKey?: string; tsaCa?: string }) => {
        if (opts.head && !/^[0-9a-f]{64}$/.test(opts.head))
          throw new UserError(`--head: "${opts.head}" is not a SHA-256 hex digest`);
        if (opts.head && !opts.db) throw new UserError('--head goes with --db');
        if (!file && !opts.db) throw new UserError('give a bundle FILE.zip to verify, or --db');
        let bad = 0;
        let bundle: BundleReport | undefined;
        if (file) {
          if (!fs.existsSync(file)) throw new UserError(`${file}: no such file`);
          const caFile = opts.tsaCa ?? (opts.tsaCa === undefined ? processConfigTsaCa(env) : undefined);
          const check = {
            publicKey: opts.publicKey ? readPublicKey(opts.publicKey) : undefined,
            tsaTrust: caFile ? tsaTrust(caFile, opts.tsaCa ? '--tsa-ca' : 'MAPWATCH_TSA_CA') : undefined,
          };
          if (file.endsWith('.wacz')) {
            const r = verifyWaczFile(file, check);
            for (const p of r.problems) console.log(`FAIL  ${p}`);
            for (const n of r.notes) console.log(`      ${n}`);
            if (!r.problems.length) console.log(`ok  ${file}: WACZ ${r.pages} page(s), every hash matches`);
            bad += r.problems.length;
          } else {
            const r = verifyBundleFile(file, check);
            bundle = r;
            for (const p of r.problems) console.log(`FAIL  ${file}: ${p}`);
            for (const n of r.notes) console.log(`      ${n}`);
            if (!r.problems.length)
              console.log(
                `ok  ${file}: case ${r.caseId}, ${r.manifests} manifest(s), ${r.files} file(s), ${r.wacz} WACZ capture(s), every hash matches`,
              );
            bad += r.problems.length;
          }
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
      },
    );
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
