/**
 * `evidence verify FILE.zip` streams the bundle: a zip of a few MB that inflates to 640 MiB
 * is verified in a child process whose peak RSS stays far below what inflating it whole
 * (the old unzipSync way) takes. The bound is memory, not time.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBigBundle } from './support/big-bundle.js';
import { tmpDir } from './support/tmp.js';

const WARC_MIB = 640;

describe('bundle verification memory', () => {
  it(`verifies a bundle inflating to ${WARC_MIB} MiB with a flat peak RSS`, async () => {
    const file = path.join(tmpDir(), 'big.zip');
    const { zipBytes, contentBytes } = await writeBigBundle(file, { warcMiB: WARC_MIB, pngMiB: 4 });
    expect(zipBytes).toBeLessThan(16 * 2 ** 20);
    expect(contentBytes).toBeGreaterThan(WARC_MIB * 2 ** 20);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'support/verify-rss-child.ts'), file],
      { encoding: 'utf8', timeout: 180_000 },
    );
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { problems: string[]; maxRssMiB: number };
    expect(out.problems).toEqual([]);
    // Node and tsx alone take ~75 MiB; inflating the zip whole would take more than WARC_MIB.
    expect(out.maxRssMiB).toBeLessThan(300);
  }, 240_000);
});
