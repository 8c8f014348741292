/**
 * What a page still has scheduled: the init script that lets the settle wait (settle-page.ts)
 * end the 500 ms quiet window early when the page provably has nothing left that could run
 * within it, instead of waiting the whole window out on every page.
 *
 * Why this keeps the window's guarantee: script runs only from tasks, and a page that means to
 * change its price later must schedule that: a timer (setTimeout/setInterval), a frame callback
 * (requestAnimationFrame, requestIdleCallback), a request (fetch, XHR, or a resource the
 * network tracker sees), a CSS animation or transition, or a source whose timing it cannot know
 * (a worker, a WebSocket or EventSource, another frame, media, a meta refresh, a
 * scheduler.postTask). The script counts the first kinds as they are scheduled, before any page
 * script runs; a page with any of the last kinds, or without the script (it did not run in this
 * document), keeps the whole window. So when this says idle, the only things that may still run
 * within the window are prompt completions of asynchronous APIs (a postMessage, an IndexedDB
 * read: milliseconds), which the shorter quiet floor in settle-page.ts waits out; a timer due
 * within the window is always waited for, as is anything it starts.
 *
 * The hooks are Proxies of the native functions (their name, length and source text stay the
 * native ones), and keep their state in a closure; only a reader sits on the window, under a
 * symbol named afresh per process. A page that fakes the reader can only make its own read
 * earlier, never show another page's price.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';

/** The reader's name on the window: a fresh one per process, so no page can know it beforehand. */
const KEY = `k${randomBytes(8).toString('hex')}`;

/** Installed with `context.addInitScript`: runs in every document before the page's own scripts. */
export const WATCH_WORK_INIT = `(() => {
  const KEY = Symbol.for('${KEY}');
  if (window[KEY]) return;
  const P = window.Proxy, now = performance.now.bind(performance);
  const nativeTimeout = window.setTimeout, nativeRaf = window.requestAnimationFrame;
  const timers = new Map(), frames = new Set(), idles = new Set(), natives = new WeakMap();
  let requests = 0, uncertain = '', changed = now();
  // Any change to the document, not only to the price: what a change sets off (an observer, a
  // lazy load) has had its frames to show itself once the whole document has been still.
  try {
    new MutationObserver(() => { changed = now(); })
      .observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  } catch (e) { uncertain = 'MutationObserver'; }
  function hook(obj, name, trap) {
    const orig = obj && obj[name];
    if (typeof orig !== 'function') return;
    try { const p = new P(orig, trap); natives.set(p, orig); obj[name] = p; } catch (e) { uncertain = 'hook ' + name; }
  }
  // A hooked function's source text is its native one ("function setTimeout() { [native code] }").
  hook(Function.prototype, 'toString', { apply: function (target, self, args) { return Reflect.apply(target, natives.get(self) || self, args); } });
  const call = (f) => ({ apply: f });
  function timer(repeat) {
    return call(function (target, self, args) {
      const fn = args[0], ms = Math.max(0, Number(args[1]) || 0);
      if (typeof fn !== 'function') { uncertain = 'string timer'; return Reflect.apply(target, self, args); }
      let id;
      const wrapped = function () {
        if (repeat) timers.set(id, now() + ms); else timers.delete(id);
        return Reflect.apply(fn, this, arguments);
      };
      id = Reflect.apply(target, self, [wrapped, ...Array.prototype.slice.call(args, 1)]);
      timers.set(id, now() + ms);
      return id;
    });
  }
  const clear = call(function (target, self, args) { timers.delete(args[0]); return Reflect.apply(target, self, args); });
  function frame(set) {
    return call(function (target, self, args) {
      const fn = args[0];
      if (typeof fn !== 'function') return Reflect.apply(target, self, args);
      let id;
      const wrapped = function () { set.delete(id); return Reflect.apply(fn, this, arguments); };
      id = Reflect.apply(target, self, [wrapped, ...Array.prototype.slice.call(args, 1)]);
      set.add(id);
      return id;
    });
  }
  function cancel(set) { return call(function (target, self, args) { set.delete(args[0]); return Reflect.apply(target, self, args); }); }
  function pending(p) {
    requests++;
    let done = false;
    const end = () => { if (!done) { done = true; requests--; } };
    try { p.then(end, end); } catch (e) { end(); }
    return p;
  }
  hook(window, 'setTimeout', timer(false));
  hook(window, 'setInterval', timer(true));
  hook(window, 'clearTimeout', clear);
  hook(window, 'clearInterval', clear);
  hook(window, 'requestAnimationFrame', frame(frames));
  hook(window, 'cancelAnimationFrame', cancel(frames));
  hook(window, 'requestIdleCallback', frame(idles));
  hook(window, 'cancelIdleCallback', cancel(idles));
  hook(window, 'fetch', call(function (target, self, args) { return pending(Reflect.apply(target, self, args)); }));
  const R = window.Response && window.Response.prototype;
  for (const m of ['json', 'text', 'arrayBuffer', 'blob', 'formData', 'bytes'])
    hook(R, m, call(function (target, self, args) { return pending(Reflect.apply(target, self, args)); }));
  const X = window.XMLHttpRequest && window.XMLHttpRequest.prototype;
  hook(X, 'send', call(function (target, self, args) {
    requests++;
    let done = false;
    // Added at send, after the page's own handlers: it runs once they have.
    self.addEventListener('loadend', function () { if (!done) { done = true; requests--; } });
    try { return Reflect.apply(target, self, args); } catch (e) { if (!done) { done = true; requests--; } throw e; }
  }));
  const unknowable = (what) => ({ construct: function (target, args, nt) { uncertain = what; return Reflect.construct(target, args, nt); } });
  for (const c of ['Worker', 'SharedWorker', 'WebSocket', 'EventSource', 'RTCPeerConnection', 'BroadcastChannel', 'WebTransport'])
    hook(window, c, unknowable(c));
  if (window.scheduler) hook(window.scheduler, 'postTask', call(function (target, self, args) { uncertain = 'postTask'; return Reflect.apply(target, self, args); }));
  hook(window.AbortSignal, 'timeout', call(function (target, self, args) { uncertain = 'AbortSignal.timeout'; return Reflect.apply(target, self, args); }));
  hook(window, 'open', call(function (target, self, args) { uncertain = 'window.open'; return Reflect.apply(target, self, args); }));
  hook(navigator.serviceWorker, 'register', call(function (target, self, args) { uncertain = 'service worker'; return Reflect.apply(target, self, args); }));
  // Resolves with 0 when nothing the page scheduled can run within windowMs, else with how long
  // to wait before asking again (-1: not knowable, keep the whole window). It first lets one
  // rendering step pass, so observers fed by the last change (resize, intersection) have run.
  function busy(windowMs, stillMs) {
    if (uncertain) return -1;
    if (window.frames.length > 0) return -1;
    if (document.querySelector('video, audio, meta[http-equiv="refresh" i]')) return -1;
    try { if (document.getAnimations().some((a) => a.playState === 'running')) return -1; } catch (e) { return -1; }
    if (requests > 0 || frames.size > 0 || idles.size > 0) return 50;
    const t = now();
    if (t - changed < stillMs) return stillMs - (t - changed) + 10;
    let next = Infinity;
    timers.forEach((due) => { if (due < next) next = due; });
    return next <= t + windowMs ? Math.max(20, next - t + 20) : 0;
  }
  Object.defineProperty(window, KEY, {
    value: (windowMs, stillMs) => new Promise((resolve) => {
      let done = false;
      const go = () => { if (!done) { done = true; resolve(busy(windowMs, stillMs)); } };
      try { nativeRaf.call(window, () => nativeTimeout.call(window, go, 0)); } catch (e) {}
      nativeTimeout.call(window, () => { if (!done) { done = true; resolve(-1); } }, 200);
    }),
  });
})();`;

/**
 * 0 when the page has nothing scheduled that could run within `windowMs` and its document has
 * not changed for `stillMs`; otherwise the ms after which asking again may help (-1: never, the
 * page keeps the whole quiet window).
 */
export async function pageWorkBusy(page: Page, windowMs: number, stillMs = 0): Promise<number> {
  const args = `${Math.ceil(windowMs)}, ${Math.ceil(stillMs)}`;
  const src = `(() => { const f = window[Symbol.for('${KEY}')]; return f ? f(${args}) : -1; })()`;
  return page.evaluate<number>(src).catch(() => -1);
}
