-- What each source backs, kept by the writes (src/db/source-counts.ts) instead of counted on every
-- read: a page of 25 sources that back a thousand facts each took over a second to count at a
-- million facts, and `/v1/sources?limit=100` hit the statement timeout.

-- CreateTable
CREATE TABLE "source_fact_counts" (
    "source_id" TEXT NOT NULL,
    "actors" INTEGER NOT NULL DEFAULT 0,
    "statements" INTEGER NOT NULL DEFAULT 0,
    "sanctions" INTEGER NOT NULL DEFAULT 0,
    "attack_events" INTEGER NOT NULL DEFAULT 0,
    "evidence" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "source_fact_counts_pkey" PRIMARY KEY ("source_id")
);

-- AddForeignKey
ALTER TABLE "source_fact_counts" ADD CONSTRAINT "source_fact_counts_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The counts of the sources already stored (recountSources in src/db/source-counts.ts, for all).
INSERT INTO "source_fact_counts" ("source_id", "actors", "statements", "sanctions", "attack_events", "evidence")
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
 GROUP BY src.id;
