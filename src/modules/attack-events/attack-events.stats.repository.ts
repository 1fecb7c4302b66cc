import type { SqlClient } from "../../db/database.ts";
import { isoDate } from "../../db/sql-fragments.ts";
import { type AttackEventFilters, attackEventFilter } from "./attack-events.repository.ts";
import type { AttackEventPeriod, AttackEventStats } from "./attack-events.stats.schemas.ts";

export type AttackEventStatsFilters = Omit<AttackEventFilters, "limit" | "cursor" | "count">;

/** Per period: how its first day is found, how it is labelled, and its last day from the first. */
const PERIODS: Record<AttackEventPeriod, { unit: string; label: string; lastDay: (start: string) => string }> = {
  day: { unit: "day", label: "YYYY-MM-DD", lastDay: (start) => start },
  // ISO weeks start on Monday, as date_trunc('week') does; IYYY is the ISO year the week belongs to.
  week: { unit: "week", label: `IYYY-"W"IW`, lastDay: (start) => `${start} + 6` },
  month: { unit: "month", label: "YYYY-MM", lastDay: (start) => `(${start} + interval '1 month')::date - 1` },
};

interface BucketRow {
  period: string | null;
  first_day: string | null;
  last_day: string | null;
  events: number;
  launched: string | number | bigint | null;
  intercepted: string | number | bigint | null;
  events_with_counts: number;
  counted_launched: string | number | bigint | null;
  counted_intercepted: string | number | bigint | null;
}

// Sums are bigint, which pg returns as text: exact integers, made numbers here.
const integer = (value: string | number | bigint | null): number | null => (value === null ? null : Number(value));

export function createAttackEventStatsRepository(sql: SqlClient) {
  return {
    /** One bucket per period with events, in date order, and the number of undated events. One query. */
    async byPeriod(groupBy: AttackEventPeriod, filters: AttackEventStatsFilters): Promise<AttackEventStats> {
      const filter = attackEventFilter(filters);
      const period = PERIODS[groupBy];
      // A date cast to timestamp (not timestamptz) is truncated the same whatever the session's time zone.
      const rows = await sql.query<BucketRow>(
        `WITH matching AS (
           SELECT date_trunc('${period.unit}', ev.occurred_on::timestamp)::date AS start, ev.launched, ev.intercepted,
                  (ev.launched IS NOT NULL AND ev.intercepted IS NOT NULL) AS with_counts
             FROM attack_events ev ${filter.toSql()})
         SELECT to_char(start, '${period.label}') AS period,
                ${isoDate("start")} AS first_day, ${isoDate(period.lastDay("start"))} AS last_day,
                count(*)::int AS events,
                sum(launched) AS launched,
                sum(intercepted) AS intercepted,
                count(*) FILTER (WHERE with_counts)::int AS events_with_counts,
                sum(launched) FILTER (WHERE with_counts) AS counted_launched,
                sum(intercepted) FILTER (WHERE with_counts) AS counted_intercepted
           FROM matching
          GROUP BY start
          ORDER BY start ASC NULLS LAST`,
        filter.params,
      );
      const dated = rows.filter((row) => row.first_day !== null);
      const undated = rows.find((row) => row.first_day === null);
      return {
        groupBy,
        data: dated.map((row) => {
          const countedLaunched = integer(row.counted_launched);
          const countedIntercepted = integer(row.counted_intercepted);
          return {
            period: row.period!,
            from: row.first_day!,
            to: row.last_day!,
            events: row.events,
            launched: integer(row.launched),
            intercepted: integer(row.intercepted),
            eventsWithCounts: row.events_with_counts,
            interceptionRate: countedLaunched ? countedIntercepted! / countedLaunched : null,
          };
        }),
        undated: { events: undated?.events ?? 0 },
      };
    },
  };
}

export type AttackEventStatsRepository = ReturnType<typeof createAttackEventStatsRepository>;
