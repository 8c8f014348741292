/**
 * Peak memory of `evidence verify FILE.zip` on a generated big bundle (a WARC that deflates
 * from ~1.3 GiB to a few MB, plus 16 MiB of incompressible screenshot bytes): the streaming
 * verifier against the whole-zip-in-memory way it used to work (unzipSync of the file).
 *   node --import tsx bench/verify-memory.ts [WARC_MiB]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { verifyBundleFile } from '../src/evidence/verify-bundle.js';
import { writeBigBundle } from '../tests/support/big-bundle.js';

const [, , mode, file] = process.argv;
if (mode === '--child-stream' || mode === '--child-unzipsync') {
  const problems =
    mode === '--child-stream'
      ? verifyBundleFile(file!).problems
      : Object.keys(unzipSync(fs.readFileSync(file!))).length;
  console.log(JSON.stringify({ maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), problems }));
} else {
  const warcMiB = Number(mode ?? 1300);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mapwatch-verify-mem-'));
  const zip = path.join(dir, 'big.zip');
  const { zipBytes, contentBytes } = await writeBigBundle(zip, { warcMiB, pngMiB: 16 });
  console.log(
    `bundle: ${(zipBytes / 2 ** 20).toFixed(1)} MiB zip, ${(contentBytes / 2 ** 20).toFixed(0)} MiB inflated`,
  );
  for (const m of ['--child-stream', '--child-unzipsync']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, m, zip], { encoding: 'utf8' });
    console.log(`${m.replace('--child-', '')}: ${r.stdout.trim() || r.stderr.split('\n').slice(-3).join(' ')}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
