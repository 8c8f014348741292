/**
 * The command line mapwatch starts Chromium with. Chromium keeps only the LAST value of a
 * repeated switch, and Playwright already passes its own `--disable-features` and
 * `--enable-features` lists (features it needs: CDPScreenshotNewSurface for screenshots, no
 * PaintHolding, no HTTPS upgrades of HTTP routes, …). A second `--disable-features=X` or
 * `--enable-features=Y` in our args would silently drop all of them, so ours are merged into
 * Playwright's lists instead: Playwright's originals are left out with `ignoreDefaultArgs` and
 * one merged switch of each kind is passed.
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

/**
 * Features switched on on top of Playwright's:
 * - NetworkServiceInProcess2 (the string behind Chromium's kNetworkServiceInProcess; the name
 *   without the 2 does nothing): the network service runs as threads of the browser process
 *   instead of a utility process of its own: one process less per browser, about 20-25 MB
 *   PSS (3 December 2026, 4 pages at once: the 37 MB network process goes, the browser and
 *   zygotes grow by 12-15 MB).
 *
 *   The security trade-off: the network stack parses what servers send (HTTP, TLS, cookies)
 *   and takes requests from renderers; out of process, an exploit of it lands in a process
 *   apart from the browser's (which holds the DevTools pipe and every context). That process
 *   is a privilege boundary only when Chromium's sandbox confines it, and HEADLESS_ARGS always
 *   passes --no-sandbox (Docker's default seccomp profile refuses the user namespaces the
 *   sandbox is built on). Unsandboxed, the network process runs as the browser's user with no
 *   seccomp filter and no namespaces: code run in it can already read and write every file
 *   mapwatch's user can and open any socket past the guard proxy, and it holds every
 *   context's cookies and sees every response decrypted anyway. Moving it into the browser
 *   adds only the browser's address space to that; the renderers (page JavaScript, the far
 *   larger surface) stay processes of their own. A crash of the network stack now takes the
 *   browser down: the reads in flight fail (never a wrong price) and the pool relaunches the
 *   browser for the next job. If the sandbox is ever switched on, take this feature out: it
 *   would move the network stack out of its sandbox into the browser process.
 */
export const ENABLED_FEATURES = ['NetworkServiceInProcess2'];

/*
 * Measured on Chromium 156 and left out (2 December 2026; 20 JS-rendered pages, 4 at once, a
 * fresh context per site as the pool opens them; PSS of the Chromium processes at the peak,
 * 428–444 MB with the flags above):
 * - `--renderer-process-limit=N` with site isolation off (`--disable-site-isolation-trials`,
 *   `--disable-features=IsolateOrigins,site-per-process`): no renderer saved. Chromium never
 *   puts two browser contexts in one renderer process, so with a context per site there is still
 *   one renderer per page in flight. Sharing needs one context for many sites (measured: 2
 *   renderers instead of 4, about -60 MB PSS), which would give up the per-site cookie, cache
 *   and guard-proxy isolation, and site isolation would then be all that keeps one reseller's
 *   page from another's memory. Switching isolation off for nothing is a pure loss: not used.
 * - `--in-process-gpu`: -20 to -30 MB PSS (the GPU process's work moves into the browser), but
 *   SwiftShader runs pages' WebGL shaders in the browser process itself. Without a sandbox the
 *   separate GPU process is still a process boundary an untrusted page must cross to reach the
 *   browser (all contexts' cookies, the DevTools pipe), and a GPU crash would take every read
 *   in flight down with the browser. Not used.
 * - `--disable-software-rasterizer`: about -15 MB PSS in the GPU process, but pages lose WebGL
 *   (SwiftShader is its only implementation here), a well-known headless tell to bot walls, so
 *   more reads would come back blocked. Not used.
 * - `--no-zygote`: more memory (+60 MB PSS): renderers forked from the zygote share its pages.
 * - `--enable-features=NetworkServiceInProcess` (without the 2): no effect, the feature's
 *   string is NetworkServiceInProcess2 (used above).
 * - `--single-process`: the first page of a new context fails at once (the target is closed;
 *   the mode does not support several contexts), and it would put every page in the browser.
 * - `--enable-low-end-device-mode`, `--js-flags=--lite-mode`: no measurable change on product
 *   pages this small; a V8 heap cap (`--js-flags=--max-old-space-size`) saves nothing either
 *   (pages never come near it) and would only turn a heavy page into a crashed read.
 * `--disable-dev-shm-usage` is in HEADLESS_ARGS already (and in Playwright's own list).
 */

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
async function playwrightDefaultArgs(): Promise<string[] | undefined> {
  try {
    const require = createRequire(import.meta.url);
    const core = require('playwright-core/lib/coreBundle') as {
      server: {
        createPlaywright(o: { sdkLanguage: string }): {
          chromium: { defaultArgs(o: object, persistent: boolean, dir: string): Promise<string[]> };
        };
      };
    };
    return await core.server
      .createPlaywright({ sdkLanguage: 'javascript' })
      .chromium.defaultArgs({ headless: true, args: [] }, false, '/nonexistent');
  } catch {
    return undefined;
  }
}

/** One `--<kind>-features=` switch: Playwright's list (if it passes one) with ours appended. */
function mergeSwitch(defaults: string[], prefix: string, ours: string[]) {
  const original = defaults.find((a) => a.startsWith(prefix));
  const theirs = original?.slice(prefix.length).split(',').filter(Boolean) ?? [];
  const merged = [...theirs, ...ours.filter((f) => !theirs.includes(f))];
  return { arg: prefix + merged.join(','), ignore: original ? [original] : [] };
}

export async function chromiumFlags(): Promise<ChromiumFlags> {
  if (cached) return cached;
  const defaults = await playwrightDefaultArgs();
  // Without Playwright's lists to merge into, ours would replace them: then Playwright's stay alone.
  if (!defaults?.some((a) => a.startsWith('--disable-features=')))
    return (cached = { args: HEADLESS_ARGS, ignoreDefaultArgs: [] });
  const off = mergeSwitch(defaults, '--disable-features=', DISABLED_FEATURES);
  const on = mergeSwitch(defaults, '--enable-features=', ENABLED_FEATURES);
  cached = { args: [...HEADLESS_ARGS, off.arg, on.arg], ignoreDefaultArgs: [...off.ignore, ...on.ignore] };
  return cached;
}
