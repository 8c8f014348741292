/**
 * The error family. Every error mapwatch raises on purpose carries a stable `code`; the code
 * decides the CLI exit status now and the HTTP status of the review app and API later, and
 * whether a queued job may be retried (non-retryable ones become BullMQ's
 * UnrecoverableError with the original as `cause`, see queue/run-job.ts).
 *
 * Messages say what is wrong with which file, field or record, and how to retry when
 * retrying can help. Domain code never names CLI flags: the CLI adds those itself.
 */

export const ERROR_CODES = {
  /** Something the user gave us (a file, a field, an argument, a payload) is wrong. */
  invalid_input: { exit: 1, http: 400, retryable: false },
  /** The case, site, listing or file asked for does not exist. */
  not_found: { exit: 3, http: 404, retryable: false },
  /** The record is not in a state that allows this (e.g. approving an already-sent notice). */
  conflict: { exit: 4, http: 409, retryable: false },
  /** No signed-in user or API token (HTTP only; the CLI acts as the local user). */
  unauthorized: { exit: 6, http: 401, retryable: false },
  /** The actor's role may not do this. */
  forbidden: { exit: 5, http: 403, retryable: false },
  /** A service we need (database, Redis, SMTP, a site) is not answering; retrying later may work. */
  unavailable: { exit: 69, http: 503, retryable: true },
  /** A bug of ours. */
  internal: { exit: 70, http: 500, retryable: false },
} as const satisfies Record<string, { exit: number; http: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The CLI's exit status for a usage error (unknown command or option), from commander. */
export const USAGE_EXIT = 2;

export class MapwatchError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'MapwatchError';
  }
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

/**
 * A problem the user can fix (a file, a field, an argument, a missing record). Printed
 * without a stack. Defaults to `invalid_input`; pass `code` for the others.
 */
export class UserError extends MapwatchError {
  constructor(message: string, options?: { cause?: unknown; code?: Exclude<ErrorCode, 'internal' | 'unavailable'> }) {
    super(options?.code ?? 'invalid_input', message, options);
    this.name = 'UserError';
  }
}

export class InvalidInputError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'invalid_input' });
    this.name = 'InvalidInputError';
  }
}

export class NotFoundError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'not_found' });
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'conflict' });
    this.name = 'ConflictError';
  }
}

export class ForbiddenError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'forbidden' });
    this.name = 'ForbiddenError';
  }
}

export class UnauthorizedError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: 'unauthorized' });
    this.name = 'UnauthorizedError';
  }
}

/** A service we depend on is not answering; retrying later may succeed. */
export class UnavailableError extends MapwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
    this.name = 'UnavailableError';
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
export class InputError extends InvalidInputError {
  constructor(readonly problems: InputProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

/** The stable code of any thrown value: ours carry one, anything else is `internal`. */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof MapwatchError ? err.code : 'internal';
}

/** Whether retrying can help: ours say so by code; others by a `retryable` flag (fetch and mail errors). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof MapwatchError) return err.retryable;
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true;
}

/** Whether the error says retrying cannot help (so a queued job should fail at once). */
export function isUnrecoverable(err: unknown): boolean {
  if (err instanceof MapwatchError) return !err.retryable;
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false;
}
