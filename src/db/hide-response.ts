/**
 * Hides Node's global `Response` while `pg` loads; load-pg.ts imports this module just before `pg`
 * and calls the restore function it exports just after (ES modules evaluate their imports in
 * order, so `pg` is the only code that runs while it is hidden). Why: see load-pg.ts.
 */
const saved = Object.getOwnPropertyDescriptor(globalThis, 'Response');
if (saved?.configurable)
  Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });

/** Puts `Response` back exactly as it was (a lazy getter on Node 20). */
export default function restoreResponse(): void {
  if (saved?.configurable) Object.defineProperty(globalThis, 'Response', saved);
}
