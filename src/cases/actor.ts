/**
 * Who acts on a case or a message, and in which role. Every person's action (approve a
 * notice, dismiss, reopen, retry a message) takes an actor, and the audit log (case_events)
 * records both, so a dispute can show who decided what in which capacity. Automatic steps
 * act as `system` (e.g. `auto_send` notices).
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';

export const ROLES = ['pricing_manager', 'compliance', 'ops', 'admin', 'viewer', 'system'] as const;
export type Role = (typeof ROLES)[number];

export const actorSchema = z.object({
  who: z.string().trim().min(1, 'must name who acts').max(200),
  role: z.enum(ROLES),
});

export type Actor = z.output<typeof actorSchema>;

/** Validates an actor from any boundary (CLI, HTTP, a job payload). */
export function checkActor(actor: unknown): Actor {
  const r = actorSchema.safeParse(actor);
  if (!r.success)
    throw new InvalidInputError(
      `acting user: ${r.error.issues.map((i) => `${i.path.join('.') || 'actor'} ${i.message}`).join('; ')}`,
    );
  return r.data;
}

/** The actor as the audit log stores it. */
export function auditActor(actor: Actor): { by: string; role: Role } {
  return { by: actor.who, role: actor.role };
}
