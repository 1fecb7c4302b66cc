-- Full-text search (English stemming) over every fact, its linked actors' names and aliases, and
-- the sources' text. Hand-edited after `prisma migrate dev --create-only`: Prisma cannot express
-- GENERATED columns, so schema.prisma declares them as Unsupported("tsvector") with dbgenerated().

-- DropIndex
DROP INDEX "evidence_source_id_idx";

-- AlterTable
ALTER TABLE "actors" ADD COLUMN     "latitude" DOUBLE PRECISION,
ADD COLUMN     "longitude" DOUBLE PRECISION,
ADD COLUMN     "search_context" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', "name"), 'A') || setweight(to_tsvector('english', "search_context"), 'B')
) STORED;

-- AlterTable
ALTER TABLE "attack_events" ADD COLUMN     "search_context" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', "description"), 'A') || setweight(to_tsvector('english', coalesce("weapon", '')), 'B') || setweight(to_tsvector('english', "search_context"), 'B')
) STORED;

-- AlterTable
ALTER TABLE "sanctions" ADD COLUMN     "search_context" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', "reason"), 'A') || setweight(to_tsvector('english', "measure" || ' ' || coalesce("programme", '')), 'B') || setweight(to_tsvector('english', "search_context"), 'B')
) STORED;

-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', "title"), 'A') || setweight(to_tsvector('english', "publisher"), 'B') || setweight(to_tsvector('english', "text"), 'D')
) STORED;

-- AlterTable
ALTER TABLE "statements" ADD COLUMN     "search_context" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', "text"), 'A') || setweight(to_tsvector('english', "search_context"), 'B')
) STORED;

-- CreateIndex
CREATE INDEX "actors_wikidata_id_idx" ON "actors"("wikidata_id");

-- CreateIndex
CREATE INDEX "actors_updated_at_idx" ON "actors"("updated_at");

-- CreateIndex
CREATE INDEX "actors_search_vector_idx" ON "actors" USING GIN ("search_vector");

-- CreateIndex
CREATE INDEX "attack_events_launched_idx" ON "attack_events"("launched");

-- CreateIndex
CREATE INDEX "attack_events_counts_reported_by_id_idx" ON "attack_events"("counts_reported_by_id");

-- CreateIndex
CREATE INDEX "attack_impacts_place_id_idx" ON "attack_impacts"("place_id");

-- CreateIndex
CREATE INDEX "attack_impacts_reported_by_id_idx" ON "attack_impacts"("reported_by_id");

-- CreateIndex
CREATE INDEX "attack_events_updated_at_idx" ON "attack_events"("updated_at");

-- CreateIndex
CREATE INDEX "attack_events_search_vector_idx" ON "attack_events" USING GIN ("search_vector");

-- CreateIndex
CREATE INDEX "evidence_source_id_subject_type_subject_id_idx" ON "evidence"("source_id", "subject_type", "subject_id");

-- CreateIndex
CREATE INDEX "sanctions_updated_at_idx" ON "sanctions"("updated_at");

-- CreateIndex
CREATE INDEX "sanctions_search_vector_idx" ON "sanctions" USING GIN ("search_vector");

-- CreateIndex
CREATE INDEX "sources_updated_at_idx" ON "sources"("updated_at");

-- CreateIndex
CREATE INDEX "sources_search_vector_idx" ON "sources" USING GIN ("search_vector");

-- CreateIndex
CREATE INDEX "statements_updated_at_idx" ON "statements"("updated_at");

-- CreateIndex
CREATE INDEX "statements_search_vector_idx" ON "statements" USING GIN ("search_vector");

-- The names and aliases of an actor, as one string: what a search for any of them should find.
CREATE FUNCTION "warfacts_actor_names"(actor_id TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
  SELECT concat_ws(' ', a."name", (SELECT string_agg(al."alias", ' ' ORDER BY al."alias")
                                     FROM "actor_aliases" al WHERE al."actor_id" = a."id"))
    FROM "actors" a WHERE a."id" = actor_id
$$;

-- Rewrites every search_context from the link tables; writers call it after changing facts or actors.
CREATE FUNCTION "warfacts_refresh_search_context"() RETURNS VOID LANGUAGE sql AS $$
  UPDATE "actors" a SET "search_context" = concat_ws(' ',
    (SELECT string_agg(al."alias", ' ') FROM "actor_aliases" al WHERE al."actor_id" = a."id"),
    (SELECT string_agg(concat_ws(' ', r."title", "warfacts_actor_names"(r."organisation_id")), ' ')
       FROM "actor_roles" r WHERE r."actor_id" = a."id"),
    (SELECT string_agg(d."text", ' ') FROM "actor_descriptions" d WHERE d."actor_id" = a."id"));

  UPDATE "statements" s SET "search_context" = concat_ws(' ',
    "warfacts_actor_names"(s."speaker_id"), s."medium", s."said_wording",
    (SELECT string_agg("warfacts_actor_names"(ss."actor_id"), ' ') FROM "statement_subjects" ss WHERE ss."statement_id" = s."id"));

  UPDATE "sanctions" sa SET "search_context" = concat_ws(' ',
    "warfacts_actor_names"(sa."authority_id"), sa."announced_wording",
    (SELECT string_agg("warfacts_actor_names"(t."actor_id"), ' ') FROM "sanction_targets" t WHERE t."sanction_id" = sa."id"),
    (SELECT string_agg("warfacts_actor_names"(su."actor_id"), ' ') FROM "sanction_subjects" su WHERE su."sanction_id" = sa."id"),
    (SELECT string_agg(g."description", ' ') FROM "sanction_target_groups" g WHERE g."sanction_id" = sa."id"));

  UPDATE "attack_events" ev SET "search_context" = concat_ws(' ',
    "warfacts_actor_names"(ev."attacker_id"), "warfacts_actor_names"(ev."counts_reported_by_id"),
    ev."occurred_wording", ev."casualty_wording",
    (SELECT string_agg("warfacts_actor_names"(p."actor_id"), ' ') FROM "attack_event_places" p WHERE p."event_id" = ev."id"),
    (SELECT string_agg(concat_ws(' ', im."description", im."recovery_estimate", "warfacts_actor_names"(im."place_id"),
                                 "warfacts_actor_names"(im."reported_by_id")), ' ')
       FROM "attack_impacts" im WHERE im."event_id" = ev."id"));
$$;

SELECT "warfacts_refresh_search_context"();
