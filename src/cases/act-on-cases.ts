/**
 * Bulk actions from the Cases list: dismiss (with one note), approve the next notice, or
 * assign, for many cases at once. Each case is its own transaction with its own result, so
 * one case in the wrong state (already dismissed, no notice to approve) is reported and the
 * rest still go through. Approving a notice is the notify stage's operation; the caller
 * passes it in (cases come before notify in the data flow).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { errorCodeOf, type ErrorCode, InvalidInputError } from '../errors.js';
import { type Actor, checkActor } from './actor.js';
import { assignCase } from './assign-case.js';
import { dismissCase } from './dismiss-case.js';

export const BULK_ACTIONS = ['dismiss', 'approve', 'assign'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export const MAX_BULK = 500;

export interface ActOnCasesOptions {
  action: BulkAction;
  caseIds: readonly number[];
  actor: Actor;
  /** dismiss: why. */
  note?: string;
  /** assign: to whom ("" takes the assignment away). */
  assignee?: string | null;
  /** approve: approves the next notice of one case (src/notify/approve-next-notice.ts). */
  approve?: (caseId: number, actor: Actor) => Promise<unknown>;
}

export type BulkResult = { caseId: number; ok: true } | { caseId: number; ok: false; code: ErrorCode; error: string };

export async function actOnCases(db: Kysely<Database>, o: ActOnCasesOptions): Promise<BulkResult[]> {
  const actor = checkActor(o.actor);
  const ids = [...new Set(o.caseIds)];
  if (!ids.length) throw new InvalidInputError('cases: choose at least one case');
  if (ids.length > MAX_BULK) throw new InvalidInputError(`cases: at most ${MAX_BULK} at once, got ${ids.length}`);
  if (o.action === 'dismiss' && (o.note?.trim().length ?? 0) < 3)
    throw new InvalidInputError('note: dismissing cases needs a note saying why (at least 3 characters)');
  if (o.action === 'approve' && !o.approve) throw new InvalidInputError('approve: notices are not configured here');
  const results: BulkResult[] = [];
  for (const caseId of ids) {
    try {
      if (o.action === 'dismiss') await dismissCase(db, caseId, o.note!, { actor });
      else if (o.action === 'assign') await assignCase(db, { caseId, assignee: o.assignee ?? null, actor });
      else await o.approve!(caseId, actor);
      results.push({ caseId, ok: true });
    } catch (err) {
      const code = errorCodeOf(err);
      // A bug of ours stays out of the answer (it may carry internals); the log has it.
      if (code === 'internal') console.error(`bulk ${o.action} of case #${caseId}:`, err);
      const error = code === 'internal' ? 'internal error (see the server log)' : (err as Error).message;
      results.push({ caseId, ok: false, code, error });
    }
  }
  return results;
}
