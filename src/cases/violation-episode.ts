/**
 * The arithmetic of a reseller's violation level (violation-level.ts reads the rows):
 * where the current episode of violations starts, and which notice step it has reached.
 * Kept apart from the queries so each rule can be tested, and mutation-tested, without a
 * database.
 */

const DAY = 86_400_000;

/**
 * The current episode's start from the reseller's cases ordered by first seen (null: clean).
 * An episode is a run of cases with gaps shorter than `resetAfterDaysClean`; an open case
 * (no closed_at) lasts until `now`.
 */
export function episodeStart(
  cases: readonly { first_seen_at: Date; closed_at: Date | null }[],
  now: Date,
  resetAfterDaysClean: number,
): Date | null {
  const gap = resetAfterDaysClean * DAY;
  let start: Date | null = null;
  let end = 0;
  for (const c of cases) {
    const from = c.first_seen_at.getTime();
    const to = c.closed_at ? c.closed_at.getTime() : now.getTime();
    if (start === null || from - end >= gap) start = c.first_seen_at;
    end = Math.max(end, to);
  }
  if (start === null || now.getTime() - end >= gap) return null;
  return start;
}

export interface EpisodeStep {
  step: number | null;
  approved_at: Date | null;
  sent_at?: Date | null;
  not_before?: Date | null;
}

/**
 * The highest step approved or sent since the episode started, and when the latest of them
 * went (or goes) out: its send time, else the later of its approval and its not-before.
 * A step approved before the episode started (or never approved) does not count.
 */
export function episodeLevel(steps: readonly EpisodeStep[], start: Date): { level: number; lastStepDue: Date | null } {
  let level = 0;
  let lastStepDue: Date | null = null;
  for (const s of steps) {
    if (!s.approved_at || s.approved_at < start) continue;
    level = Math.max(level, s.step ?? 0);
    const due = s.sent_at ?? new Date(Math.max(s.approved_at.getTime(), s.not_before?.getTime() ?? 0));
    if (!lastStepDue || due > lastStepDue) lastStepDue = due;
  }
  return { level, lastStepDue };
}
