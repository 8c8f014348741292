/**
 * The command line mapwatch starts Chromium with. Chromium keeps only the LAST value of a
 * repeated switch, and Playwright already passes its own `--disable-features` and
 * `--enable-features` lists (features it needs: CDPScreenshotNewSurface for screenshots, no
 * PaintHolding, no HTTPS upgrades of HTTP routes, …). A second `--disable-features=X` in our
 * args would silently drop all of them, so ours are merged into Playwright's lists instead:
 * Playwright's originals are left out with `ignoreDefaultArgs` and one merged switch of each
 * kind is passed.
 */
import { createRequire } from 'node:module';

export const HEADLESS_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // WebRTC may use UDP only through a proxy, and an HTTP proxy carries no UDP: so no STUN or
  // TURN/UDP packet ever leaves unchecked. TCP candidates go through the guard proxy.
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

/**
 * Features switched off on top of Playwright's:
 * - WebUIOmniboxPopup, WebUIOmniboxAimPopup: since Chromium 151 every window (so every
 *   Playwright page) gets the address bar's drop-down prerendered as a WebUI page, headless
 *   included: one more renderer process per page, about 30 MB, and a slower new page. Nothing
 *   headless ever opens it.
 * - SpareRendererForSitePerProcess: Chromium keeps a renderer started ahead for the next site;
 *   it belongs to one browser context, and each site here has its own, so it is rarely the
 *   one used, and it costs a renderer's memory all the time.
 */
export const DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'SpareRendererForSitePerProcess'];

export interface ChromiumFlags {
  args: string[];
  /** Playwright's own feature switches, replaced by the merged ones in `args`. */
  ignoreDefaultArgs: string[];
}

let cached: ChromiumFlags | undefined;

/**
 * Playwright's default feature switches, as it would pass them. Read through its in-process
 * server (no public API gives them); if that ever fails after an upgrade, Chromium runs with
 * Playwright's lists untouched and only our memory savings are lost, never its features.
 */
async function playwrightFeatureSwitches(): Promise<string[]> {
  try {
    const require = createRequire(import.meta.url);
    const core = require('playwright-core/lib/coreBundle') as {
      server: {
        createPlaywright(o: { sdkLanguage: string }): {
          chromium: { defaultArgs(o: object, persistent: boolean, dir: string): Promise<string[]> };
        };
      };
    };
    const args = await core.server
      .createPlaywright({ sdkLanguage: 'javascript' })
      .chromium.defaultArgs({ headless: true, args: [] }, false, '/nonexistent');
    return args.filter((a) => a.startsWith('--disable-features='));
  } catch {
    return [];
  }
}

export async function chromiumFlags(): Promise<ChromiumFlags> {
  if (cached) return cached;
  const defaults = await playwrightFeatureSwitches();
  const prefix = '--disable-features=';
  const original = defaults.find((a) => a.startsWith(prefix));
  // Without Playwright's list to merge into, ours would replace it: then Playwright's stays alone.
  if (!original) return (cached = { args: HEADLESS_ARGS, ignoreDefaultArgs: [] });
  const theirs = original.slice(prefix.length).split(',').filter(Boolean);
  const merged = [...theirs, ...DISABLED_FEATURES.filter((f) => !theirs.includes(f))];
  cached = { args: [...HEADLESS_ARGS, prefix + merged.join(',')], ignoreDefaultArgs: [original] };
  return cached;
}
