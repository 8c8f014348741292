/**
 * Checks a site's `schedule` with the parser BullMQ's job scheduler uses (cron-parser), so
 * `sites check` refuses exactly what `upsertJobScheduler` would later fail on — and, on top,
 * what cron-parser would quietly read as something else: it fills a missing field with "*",
 * so an expression with a field forgotten, or an empty one (every second), is refused here.
 */
import { CronExpressionParser } from 'cron-parser';

/** Null when valid, else why not (a sentence for a config problem). */
export function cronProblem(expr: string): string | null {
  const text = expr.trim();
  const fields = text.split(/\s+/).filter(Boolean);
  if (!text.startsWith('@') && (fields.length < 5 || fields.length > 6))
    return `"${expr}" is not a valid cron expression: it has ${fields.length} field(s), a cron expression has 5 (minute hour day month weekday) or 6 (with seconds first), e.g. "0 */6 * * *"`;
  try {
    CronExpressionParser.parse(text, { currentDate: new Date() }).next();
    return null;
  } catch (err) {
    return `"${expr}" is not a valid cron expression: ${(err as Error).message}`;
  }
}
