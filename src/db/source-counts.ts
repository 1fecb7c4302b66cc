import type { SqlClient } from "./database.ts";
import type { RefreshSet } from "./projection.ts";

/**
 * Every source's counts, or those of `WHERE` sources: one pass over each source's claims, a fact
 * counted once however many claims it has, only while live. (One subquery per kind of fact let
 * the planner read the whole of an index per source.) The migration that made the table runs the
 * same, for every source.
 */
const COUNTS = (where: string) => `
  SELECT src.id,
         count(DISTINCT c.actor_id) FILTER (WHERE a.deleted_at IS NULL)::int,
         count(DISTINCT c.statement_id) FILTER (WHERE st.deleted_at IS NULL)::int,
         count(DISTINCT c.sanction_id) FILTER (WHERE sa.deleted_at IS NULL)::int,
         count(DISTINCT c.attack_event_id) FILTER (WHERE ev.deleted_at IS NULL)::int,
         (SELECT count(*)::int FROM evidence e WHERE e.source_id = src.id)
    FROM sources src
    LEFT JOIN claims c ON c.source_id = src.id
    LEFT JOIN actors a ON a.id = c.actor_id
    LEFT JOIN statements st ON st.id = c.statement_id
    LEFT JOIN sanctions sa ON sa.id = c.sanction_id
    LEFT JOIN attack_events ev ON ev.id = c.attack_event_id
   ${where}
   GROUP BY src.id`;

/**
 * Counts again what each of these sources backs (source_fact_counts), in the transaction that
 * changed it: a source whose claims, excerpts or facts changed. Counting reads every claim of the
 * source, so it is done once per write, not on every read of the source.
 */
export async function recountSources(tx: SqlClient, sourceIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(sourceIds)];
  if (ids.length === 0) return;
  await tx.query(
    `INSERT INTO source_fact_counts AS counts (source_id, actors, statements, sanctions, attack_events, evidence)
     ${COUNTS("WHERE src.id = ANY($1)")}
     ON CONFLICT (source_id) DO UPDATE SET actors = excluded.actors, statements = excluded.statements,
       sanctions = excluded.sanctions, attack_events = excluded.attack_events, evidence = excluded.evidence`,
    [ids],
  );
}

/** The sources with a claim on any of these facts (or their impacts and target groups). */
export async function sourcesClaimingFacts(tx: SqlClient, facts: RefreshSet): Promise<string[]> {
  const rows = await tx.query<{ source_id: string }>(
    `SELECT DISTINCT source_id FROM claims
      WHERE actor_id = ANY($1) OR statement_id = ANY($2) OR sanction_id = ANY($3) OR attack_event_id = ANY($4)
         OR impact_id IN (SELECT id FROM attack_impacts WHERE event_id = ANY($4))
         OR target_group_id IN (SELECT id FROM sanction_target_groups WHERE sanction_id = ANY($3))`,
    [[...facts.actor], [...facts.statement], [...facts.sanction], [...facts.attackEvent]],
  );
  return rows.map((row) => row.source_id);
}
