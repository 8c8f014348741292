/**
 * Typed errors. Each says whether retrying can help, so queue handlers can map the
 * non-retryable ones to BullMQ's UnrecoverableError; the original error stays as `cause`.
 */

/** A problem with something the user gave us (a file, a field, an argument). Printed without a stack. */
export class UserError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

/** One problem in an input file, located by file, line/column or field path. */
export interface InputProblem {
  file: string;
  line?: number;
  column?: string;
  field?: string;
  message: string;
}

export function formatProblem(p: InputProblem): string {
  const where = [
    p.file,
    p.line !== undefined ? `line ${p.line}` : undefined,
    p.column ? `column "${p.column}"` : undefined,
    p.field ? `field "${p.field}"` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${p.message}`;
}

/** Several located problems at once, so the user can fix them all in one pass. */
export class InputError extends UserError {
  constructor(readonly problems: InputProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

/** A transient failure (network, lock, busy database): retrying later may succeed. */
export class TransientError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true;
}
