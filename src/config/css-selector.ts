/**
 * Checks a CSS selector with the engine the extractor runs it in (cheerio, i.e.
 * cheerio-select/css-select), so `sites check` catches a selector that would otherwise
 * only show up as a warning on every read, with the price never found.
 */
import { load } from 'cheerio';

let empty: ReturnType<typeof load> | undefined;

/** Null when the extractor can run `selector`, else the engine's reason. */
export function cssSelectorProblem(selector: string): string | null {
  empty ??= load('');
  try {
    // Selecting in an empty document compiles the selector and matches nothing.
    empty(selector);
    return null;
  } catch (err) {
    return `"${selector}" is not a CSS selector the extractor can run: ${(err as Error).message}`;
  }
}
