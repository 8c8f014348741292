/**
 * The README's screenshots of the review app (docs/review-app-*.png), taken in Chromium at
 * 1280×800 from a seeded database served by the real server:
 *
 *   flock /tmp/mapwatch-heavy.lock node --import tsx tests/support/docs-screenshots.ts
 *
 * Look at each PNG after a run: a screenshot nobody looked at documents nothing.
 */
import path from 'node:path';
import { EMAIL, launchChromium, PASSWORD, startReviewApp } from './review-app.js';
import { ROOT } from './cli.js';

const ra = await startReviewApp('pglite', { cases: 400, observations: 12_000, hostile: false });
const browser = await launchChromium();
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await page.goto(`${ra.url}/login`);
  await page.fill('input[name=email]', EMAIL.compliance);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL(/\/cases/), page.click('button[type=submit]')]);
  const shot = async (p: string, file: string) => {
    await page.goto(`${ra.url}${p}`);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(ROOT, 'docs', file) });
    console.log(`docs/${file} ← ${p}`);
  };
  await shot('/cases?status=open,notified', 'review-app-cases.png');
  // An open case with evidence for every read, several reads in its window and a high severity.
  const c = await ra.h.db
    .selectFrom('cases as c')
    .innerJoin('evidence as e', 'e.case_id', 'c.id')
    .select('c.id')
    .where('c.status', '=', 'open')
    .where('c.severity', '=', 'high')
    .groupBy('c.id')
    .having((eb) => eb.fn.countAll(), '>=', 4)
    .orderBy('c.id')
    .executeTakeFirstOrThrow();
  await shot(`/cases/${c.id}`, 'review-app-case.png');
  await shot('/sites', 'review-app-sites.png');
  await shot('/dashboard', 'review-app-dashboard.png');
  await ctx.close();
} finally {
  await browser.close();
  await ra.close();
}
