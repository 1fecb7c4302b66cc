-- Issue 8: each fact's rendering as text, beside the jsonb that writes work on. Reads send it as it
-- is; turning jsonb into text for every item of every page was most of a list's time in PostgreSQL
-- (a third as much to read text, for a 4.7 kB attack event). GENERATED, so every write keeps it
-- current in its own transaction; Prisma cannot express that, and declares it Unsupported("text").

-- AlterTable
ALTER TABLE "actors" ADD COLUMN "doc_text" TEXT GENERATED ALWAYS AS ("doc"::text) STORED;

-- AlterTable
ALTER TABLE "attack_events" ADD COLUMN "doc_text" TEXT GENERATED ALWAYS AS ("doc"::text) STORED;

-- AlterTable
ALTER TABLE "sanctions" ADD COLUMN "doc_text" TEXT GENERATED ALWAYS AS ("doc"::text) STORED;

-- AlterTable
ALTER TABLE "statements" ADD COLUMN "doc_text" TEXT GENERATED ALWAYS AS ("doc"::text) STORED;
