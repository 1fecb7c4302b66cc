-- Import of the Air Force's air-attack tallies (issue 10): a weapons reference, attacks of a kind the
-- tally does not tell, the "did not reach its target" count, and where in a source a row stands.

-- AlterEnum
ALTER TYPE "attack_kind" ADD VALUE 'AIR_ATTACK';

-- AlterTable
ALTER TABLE "evidence" ADD COLUMN "locator" TEXT;

-- CreateTable
CREATE TABLE "weapon_models" (
    "model" TEXT NOT NULL,
    "category" TEXT,
    "national_origin" TEXT,
    "type" TEXT,
    "launch_platform" TEXT,
    "name" TEXT,
    "name_nato" TEXT,
    "in_service" TEXT,
    "designer" TEXT,
    "manufacturer" TEXT,
    "guidance_system" TEXT,
    "unit_cost" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "weapon_models_pkey" PRIMARY KEY ("model")
);

-- A bulk loader that has checked its excerpts in one pass over the text (the tally importer, whose
-- source is a file of 100,000 rows) says so for its transaction; one substring per row of a text
-- that long would take minutes. Everything else is checked row by row, as before.
CREATE OR REPLACE FUNCTION "warfacts_check_excerpt"() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('warfacts.excerpts_checked_in_bulk', true) = NEW."source_id" THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM "sources" s WHERE s."id" = NEW."source_id"
                   AND substring(s."text" FROM NEW."start" + 1 FOR NEW."end" - NEW."start") = NEW."excerpt") THEN
    RAISE EXCEPTION 'excerpt is not the text of source "%" between % and %', NEW."source_id", NEW."start", NEW."end"
      USING ERRCODE = 'check_violation', CONSTRAINT = 'evidence_excerpt_matches_source';
  END IF;
  RETURN NEW;
END $$;

-- Attack events gained `notReached`: items rendered before show it as unknown.
UPDATE "attack_events" SET "doc" = "doc" || '{"notReached": null}'::jsonb WHERE "doc" IS NOT NULL AND NOT "doc" ? 'notReached';
UPDATE "revisions" SET "doc" = "doc" || '{"notReached": null}'::jsonb
 WHERE "resource" = 'attack-events' AND "doc" IS NOT NULL AND NOT "doc" ? 'notReached';

-- A tally file is megabytes of text, and a tsvector holds at most 1 MB: sources are searched by
-- their title, publisher and the first 200,000 characters of their text (an article's whole text).
DROP INDEX "sources_search_vector_idx";
ALTER TABLE "sources" DROP COLUMN "search_vector";
ALTER TABLE "sources" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', "title"), 'A') || setweight(to_tsvector('english', "publisher"), 'B') || setweight(to_tsvector('english', left("text", 200000)), 'D')
) STORED;
CREATE INDEX "sources_search_vector_idx" ON "sources" USING GIN ("search_vector");
