/**
 * The instant commands, run before commander is loaded: `mapwatch price TEXT [options]` and
 * `mapwatch --version`. Node's own start is most of their time (about 100 ms on the 2-core machine);
 * commander and the command table would add another 40–70 ms (issue 15: `price` under 150 ms).
 *
 * Only the plain, well-formed forms are taken here. Anything else (help, an unknown or repeated
 * option, a missing or extra argument, a text starting with `-`, `--`, an invalid currency hint)
 * returns undefined and goes through commander, which prints the usual usage or error message, so
 * what a user sees does not depend on which path ran.
 */
import { VERSION } from '../version.js';

/** `price`'s options that take a value, by flag; `--json` is the one switch. */
const PRICE_VALUE_OPTIONS = { '--currency-hint': 'currencyHint', '--locale': 'locale' } as const;
type PriceValueFlag = keyof typeof PRICE_VALUE_OPTIONS;

interface PriceArgs {
  text: string;
  currencyHint?: string;
  locale?: string;
  json?: boolean;
}

/** `price`'s arguments (after the word `price`), or undefined when they are not a plain well-formed call. */
export function readPriceArgs(args: readonly string[]): PriceArgs | undefined {
  const out: Partial<PriceArgs> = {};
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-') || a === '-') {
      // `-` alone is an operand to commander too, but leave such rare forms to it.
      if (a === '-' || out.text !== undefined) return undefined;
      out.text = a;
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq < 0 ? a : a.slice(0, eq);
    if (seen.has(flag)) return undefined;
    seen.add(flag);
    if (flag === '--json') {
      if (eq >= 0) return undefined;
      out.json = true;
    } else if (flag in PRICE_VALUE_OPTIONS) {
      const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
      // A value that looks like an option (or none) is commander's to judge.
      if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
      out[PRICE_VALUE_OPTIONS[flag as PriceValueFlag]] = value;
    } else return undefined;
  }
  return out.text === undefined ? undefined : (out as PriceArgs);
}

/**
 * Runs `args` (process.argv without node and the script) when it is an instant command and returns
 * its exit code; undefined when the full CLI must run it.
 */
export async function runInstantCommand(args: readonly string[]): Promise<number | undefined> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args[0] !== 'price') return undefined;
  const price = readPriceArgs(args.slice(1));
  if (!price) return undefined;
  const { isBadCurrencyHint, printPrice } = await import('./print-price.js');
  // printPrice would throw a usage error: commander's path reports it the usual way.
  if (isBadCurrencyHint(price.currencyHint)) return undefined;
  const { text, ...opts } = price;
  return printPrice(text, opts);
}
