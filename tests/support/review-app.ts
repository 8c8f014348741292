/**
 * The review app as the end-to-end tests use it: a seeded database (seed-app.ts), one user
 * and one API token per role, the app opened by the composition root and served by the
 * same startHttpServer `mapwatch serve` runs (in this process, on a free port, so a test can
 * crawl into the same database while the app serves it), and real Chromium to drive it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type App, openApp } from '../../src/app/open-app.js';
import { loadProcessConfig } from '../../src/config/process-config.js';
import type { DbHandle } from '../../src/db/connect.js';
import { LocalEvidenceStore } from '../../src/evidence/evidence-store.js';
import { HEADLESS_ARGS } from '../../src/fetch/browser/chromium-flags.js';
import { findChromium } from '../../src/fetch/browser/find-chromium.js';
import { createApiToken } from '../../src/http/auth/create-api-token.js';
import { createUser } from '../../src/http/auth/create-user.js';
import { USER_ROLES, type UserRole } from '../../src/http/auth/permissions.js';
import { startHttpServer } from '../../src/http/http-server.js';
import { type Backend, openTestDb } from './db.js';
import { type SeedSummary, seedApp } from './seed-app.js';
import { tmpDir } from './tmp.js';

export const PASSWORD = 'correct-horse-battery';
export const EMAIL: Record<UserRole, string> = {
  admin: 'ada@northwind.example',
  ops: 'otto@northwind.example',
  compliance: 'clara@northwind.example',
  viewer: 'vic@northwind.example',
};

/** The flags the app's own browser pool uses, minus its network guard's WebRTC switches (these pages are ours). */
export const CHROMIUM_ARGS = HEADLESS_ARGS.filter((a) => !a.includes('webrtc'));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
}

export interface ReviewApp {
  url: string;
  h: DbHandle;
  app: App;
  dataDir: string;
  evidence: LocalEvidenceStore;
  seeded: SeedSummary;
  tokens: Record<UserRole, string>;
  close(): Promise<void>;
}

export async function startReviewApp(
  backend: Backend,
  o: { cases?: number; observations?: number; hostile?: boolean } = {},
): Promise<ReviewApp> {
  const h = await openTestDb(backend);
  const dataDir = tmpDir();
  const evidence = new LocalEvidenceStore(path.join(dataDir, 'evidence'));
  try {
    const seeded = await seedApp(h.db, {
      cases: o.cases ?? 60,
      observations: o.observations ?? 600,
      hostile: o.hostile ?? true,
      evidence,
    });
    const tokens = {} as Record<UserRole, string>;
    for (const role of USER_ROLES) {
      await createUser(h.db, { email: EMAIL[role], role, password: PASSWORD });
      tokens[role] = (await createApiToken(h.db, { email: EMAIL[role], name: `e2e ${role}` })).token;
    }
    const config = loadProcessConfig({ MAPWATCH_DATA_DIR: dataDir });
    const app = await openApp({ config, db: h, evidence, notify: false });
    const srv = await startHttpServer({ ctx: app.ctx, queues: [], port: 0 });
    return {
      url: srv.url,
      h,
      app,
      dataDir,
      evidence,
      seeded,
      tokens,
      async close() {
        await srv.close();
        await app.close();
        await h.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await h.close();
    throw err;
  }
}

/** Signs in through the login form, as a person would; returns the page it lands on. */
export async function signIn(context: BrowserContext, url: string, role: UserRole, next = '/cases'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}${next}`);
  await page.waitForURL(/\/login/);
  await page.fill('input[name=email]', EMAIL[role]);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  return page;
}

/** The session's CSRF token, as the page's forms carry it. */
export async function csrfOf(page: Page): Promise<string> {
  return page.locator('input[name=_csrf]').first().inputValue();
}

/**
 * A form POST sent by the page's own script (same origin, with the session cookie), the way
 * a person with devtools could send one: what the server decides, whatever the page showed.
 */
export async function postFromPage(
  page: Page,
  to: string,
  fields: Record<string, string>,
): Promise<{ status: number; url: string; text: string }> {
  return page.evaluate(
    async ({ to, fields }) => {
      const r = await fetch(to, {
        method: 'POST',
        body: new URLSearchParams(fields),
        credentials: 'same-origin',
      });
      return { status: r.status, url: r.url, text: await r.text() };
    },
    { to, fields },
  );
}

/** An API call with a bearer token (or none). */
export async function api(
  url: string,
  p: string,
  o: { token?: string; method?: string; body?: unknown } = {},
): Promise<{ status: number; json: unknown; text: string; type: string }> {
  const r = await fetch(`${url}${p}`, {
    method: o.method ?? 'GET',
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text, type: r.headers.get('content-type') ?? '' };
}
