/**
 * Runs a site's declarative browser steps (click, select a variant, fill, wait, add to
 * cart, open the cart) with a deadline on each. A failing step names its index and action,
 * so the site owner can tell which line of the config to fix.
 */
import type { Page } from 'playwright-core';
import type { BrowserStep } from '../../config/site-config.schema.js';

export class StepError extends Error {
  constructor(
    readonly index: number,
    readonly action: string,
    cause: unknown,
  ) {
    super(`browser step ${index + 1} (${action}) failed: ${firstLine(cause)}`, { cause });
    this.name = 'StepError';
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 300);
}

export function describeStep(step: BrowserStep): string {
  const key = Object.keys(step).find(
    (k) => k !== 'timeout_ms' && k !== 'option' && k !== 'value' && k !== 'value_env',
  )!;
  return key;
}

/**
 * What a person sees after the step, in words for a reseller ("After adding the product to
 * the cart"), or null for steps that change nothing worth a screenshot (waits, and typing,
 * which may show a code or a login name).
 */
export function stepCaption(step: BrowserStep): string | null {
  if ('select' in step) return `After choosing “${step.option}”`;
  if ('click' in step) return 'After a click on the page';
  if ('add_to_cart' in step) return 'After adding the product to the cart';
  if ('open_cart' in step) return 'The cart';
  return null;
}

/** Settling after a click that triggers requests; a page that never idles is not an error. */
async function settle(page: Page, ms: number): Promise<void> {
  await page.waitForLoadState('networkidle', { timeout: ms }).catch(() => {});
}

export async function runSteps(
  page: Page,
  steps: readonly BrowserStep[],
  opts: {
    stepTimeoutMs: number;
    env?: NodeJS.ProcessEnv;
    /** Runs after each step succeeded (evidence screenshots); a failure here fails the step. */
    afterStep?: (index: number, step: BrowserStep) => Promise<void>;
  },
): Promise<void> {
  const env = opts.env ?? process.env;
  for (const [i, step] of steps.entries()) {
    const timeout = step.timeout_ms ?? opts.stepTimeoutMs;
    const action = describeStep(step);
    try {
      if ('click' in step) {
        await page.locator(step.click).first().click({ timeout });
        await settle(page, Math.min(timeout, 3000));
      } else if ('select' in step) {
        const sel = page.locator(step.select).first();
        await sel.waitFor({ state: 'attached', timeout });
        // The option may be given by value or by its visible label; look it up once instead of waiting on a guess.
        const values = await sel
          .locator('option')
          .evaluateAll((opts) => opts.map((o) => (o as HTMLOptionElement).value));
        const byValue = values.includes(step.option);
        await sel.selectOption(byValue ? { value: step.option } : { label: step.option }, { timeout });
        await settle(page, Math.min(timeout, 3000));
      } else if ('fill' in step) {
        let text = step.value;
        if (step.value_env !== undefined) {
          text = env[step.value_env];
          if (text === undefined) throw new Error(`environment variable ${step.value_env} is not set`);
        }
        await page
          .locator(step.fill)
          .first()
          .fill(text ?? '', { timeout });
      } else if ('wait_for' in step) {
        await page.locator(step.wait_for).first().waitFor({ state: 'visible', timeout });
      } else if ('wait_for_network_idle' in step) {
        await page.waitForLoadState('networkidle', { timeout });
      } else if ('add_to_cart' in step) {
        await page.locator(step.add_to_cart).first().click({ timeout });
        await settle(page, timeout);
      } else if ('open_cart' in step) {
        const target = new URL(step.open_cart, page.url()).href;
        await page.goto(target, { timeout, waitUntil: 'load' });
        await settle(page, Math.min(timeout, 5000));
      }
      await opts.afterStep?.(i, step);
    } catch (err) {
      throw new StepError(i, action, err);
    }
  }
}
