/**
 * Whether `mapwatch serve` publishes bull-board, read from the environment. Off by default:
 * until the review app brings user logins, the only way on is MAPWATCH_QUEUE_UI=1 together
 * with an admin token, so nobody turns on an open job editor by accident.
 */
import { UserError } from '../errors.js';

export interface QueueUiEnv {
  MAPWATCH_QUEUE_UI?: string;
  MAPWATCH_ADMIN_TOKEN?: string;
}

export const MIN_TOKEN_LENGTH = 16;

export function queueUiSettings(e: QueueUiEnv): { token: string } | undefined {
  const flag = (e.MAPWATCH_QUEUE_UI ?? '').trim().toLowerCase();
  if (flag === '' || flag === '0' || flag === 'false' || flag === 'no') return undefined;
  if (flag !== '1' && flag !== 'true' && flag !== 'yes')
    throw new UserError(`environment variable MAPWATCH_QUEUE_UI: "${e.MAPWATCH_QUEUE_UI}" is not 1 or 0`);
  const token = e.MAPWATCH_ADMIN_TOKEN ?? '';
  if (token.length < MIN_TOKEN_LENGTH)
    throw new UserError(
      `MAPWATCH_QUEUE_UI=1 needs MAPWATCH_ADMIN_TOKEN of at least ${MIN_TOKEN_LENGTH} characters ` +
        '(e.g. `openssl rand -hex 24`); the queue UI can add and delete jobs',
    );
  return { token };
}
