/**
 * Finds a Chromium to drive, in this order: MAPWATCH_CHROMIUM, Playwright's own installed
 * browsers, then a system Chromium or Chrome on PATH. Fails with a UserError that says how
 * to get one, because a missing browser is something the user fixes, not a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { processConfig } from '../../config/process-config.js';
import { UserError } from '../../errors.js';

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function findChromium(
  opts: { explicit?: string; searchPath?: string } = {
    explicit: processConfig().MAPWATCH_CHROMIUM,
    searchPath: process.env.PATH,
  },
): string {
  const explicit = opts.explicit?.trim();
  if (explicit) {
    if (executable(explicit)) return explicit;
    throw new UserError(`MAPWATCH_CHROMIUM: ${explicit} is not an executable file`);
  }
  try {
    const own = chromium.executablePath();
    if (own && executable(own)) return own;
  } catch {
    // playwright-core knows no bundled browser on this platform; fall through to the system one
  }
  for (const dir of (opts.searchPath ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of SYSTEM_NAMES) {
      const p = path.join(dir, name);
      if (executable(p)) return p;
    }
  }
  if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new UserError(
    'no Chromium found for render: browser sites. Install one with `npx playwright install chromium` ' +
      'or your distribution package (e.g. `apt-get install chromium`), or set MAPWATCH_CHROMIUM to its path',
  );
}
