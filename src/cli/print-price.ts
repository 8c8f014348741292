/**
 * `mapwatch price TEXT`: parse one price text and print it. Shared by the commander command
 * (tools.ts) and the instant path (run-instant-command.ts), so both print exactly the same.
 */
import { UserError } from '../errors.js';
import { isCurrencyCode } from '../normalize/currency.js';
import { parsePrice } from '../normalize/parse-price.js';
import { json } from './output.js';

export interface PrintPriceOptions {
  currencyHint?: string;
  locale?: string;
  json?: boolean;
}

/** Whether printPrice would refuse this `--currency-hint` (it names no ISO 4217 currency). */
export function isBadCurrencyHint(currencyHint: string | undefined): boolean {
  const hint = currencyHint?.toUpperCase();
  return Boolean(hint && !isCurrencyCode(hint));
}

/** Prints the parsed price; returns the exit code (1 when the text holds no price). */
export function printPrice(text: string, opts: PrintPriceOptions): number {
  if (isBadCurrencyHint(opts.currencyHint))
    throw new UserError(`--currency-hint: "${opts.currencyHint}" is not an ISO 4217 currency code`);
  const r = parsePrice(text, { currencyHint: opts.currencyHint?.toUpperCase(), locale: opts.locale });
  if (opts.json) console.log(json(r));
  else console.log(r.amount === null ? 'no price' : `${r.amount} ${r.currency ?? '(currency unknown)'}`);
  return r.amount === null ? 1 : 0;
}
