/**
 * What each notice step achieves: of the notices of step N sent in a period, how many cases
 * came back into compliance (resolved by clean reads, not dismissed) before a next step was
 * sent, and the median days from the notice to that resolution.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/tables.js';
import { checkDay } from './roll-up-days.js';

export interface NoticeEffect {
  step: number;
  sent: number;
  complied: number;
  /** complied ÷ sent in percent; null when none was sent. */
  effectiveness: number | null;
  medianDaysToCompliance: number | null;
}

export async function measureNoticeEffect(
  db: Kysely<Database>,
  o: { from: string; to: string; timeZone: string },
): Promise<NoticeEffect[]> {
  checkDay('from', o.from);
  checkDay('to', o.to);
  const r = await sql<{ step: number; sent: string; complied: string; median_days: number | null }>`
    with sent as (
      select n.id, n.case_id, n.step, n.sent_at,
        (select min(n2.sent_at) from notices n2
          where n2.case_id = n.case_id and n2.status = 'sent' and n2.step > n.step) as next_sent_at
      from notices n
      where n.status = 'sent' and n.step is not null
        and n.sent_at >= (${o.from}::date::timestamp at time zone ${o.timeZone})
        and n.sent_at < ((${o.to}::date + 1)::timestamp at time zone ${o.timeZone})
    )
    select s.step, count(*) as sent,
      count(*) filter (where c.status = 'resolved' and c.closed_at > s.sent_at
        and (s.next_sent_at is null or c.closed_at < s.next_sent_at)) as complied,
      percentile_cont(0.5) within group (order by extract(epoch from (c.closed_at - s.sent_at)) / 86400)
        filter (where c.status = 'resolved' and c.closed_at > s.sent_at
          and (s.next_sent_at is null or c.closed_at < s.next_sent_at)) as median_days
    from sent s join cases c on c.id = s.case_id
    group by s.step order by s.step`.execute(db);
  return r.rows.map((x) => {
    const sent = Number(x.sent);
    const complied = Number(x.complied);
    return {
      step: Number(x.step),
      sent,
      complied,
      effectiveness: sent ? (100 * complied) / sent : null,
      medianDaysToCompliance: x.median_days == null ? null : Number(x.median_days),
    };
  });
}
