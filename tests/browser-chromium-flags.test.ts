/**
 * The command line the pool's Chromium really runs with (read from /proc, Linux): Chromium
 * keeps only the last `--enable-features` / `--disable-features` switch, so there must be one of
 * each, carrying Playwright's features (chromiumSwitches in playwright-core) and ours; and the
 * network service must run inside the browser (no utility process of its own).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../src/fetch/browser/browser-pool.js';
import { chromiumFlags, DISABLED_FEATURES, ENABLED_FEATURES } from '../src/fetch/browser/chromium-flags.js';

/** A process's argv; Chromium may rewrite it as one space-separated title (setproctitle). */
const argvOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/).filter(Boolean);

function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    for (const [child, pp] of parent) {
      if (pp !== p) continue;
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

const listOf = (argv: string[], prefix: string) => {
  const lists = argv.filter((a) => a.startsWith(prefix));
  expect(lists).toHaveLength(1);
  return lists[0]!.slice(prefix.length).split(',');
};

describe('Chromium command line', () => {
  let pool: BrowserPool;
  let browserPid = 0;

  beforeAll(async () => {
    pool = new BrowserPool({ maxContexts: 1 });
    browserPid = await pool.withContext({}, async (ctx) => {
      const cdp = await ctx.browser()!.newBrowserCDPSession();
      const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
      return info.processInfo.find((p) => p.type === 'browser')!.id;
    });
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
  });

  it("passes one --enable-features and one --disable-features list, Playwright's merged with ours", async () => {
    const argv = argvOf(browserPid);
    const { ignoreDefaultArgs } = await chromiumFlags();
    const playwrights = (prefix: string) =>
      ignoreDefaultArgs
        .filter((a) => a.startsWith(prefix))
        .flatMap((a) => a.slice(prefix.length).split(','))
        .filter(Boolean);
    const enabled = listOf(argv, '--enable-features=');
    // CDPScreenshotNewSurface: Playwright's own, its screenshots need it.
    expect(playwrights('--enable-features=')).toContain('CDPScreenshotNewSurface');
    expect(enabled).toEqual(expect.arrayContaining([...playwrights('--enable-features='), ...ENABLED_FEATURES]));
    const disabled = listOf(argv, '--disable-features=');
    expect(playwrights('--disable-features=')).toContain('PaintHolding');
    expect(disabled).toEqual(expect.arrayContaining([...playwrights('--disable-features='), ...DISABLED_FEATURES]));
  });

  it('runs the network service inside the browser process', () => {
    const kinds = descendants(browserPid).flatMap((pid) => {
      try {
        return [argvOf(pid).find((a) => a.startsWith('--utility-sub-type=')) ?? argvOf(pid)[0]];
      } catch {
        return [];
      }
    });
    expect(kinds.length).toBeGreaterThan(0); // the zygotes and renderers at least
    expect(kinds.filter((k) => k?.includes('NetworkService'))).toEqual([]);
  });
});
