-- The change feed (issue 10): each revision keeps the item as it was, and the transaction that wrote
-- it, so that readers are served only revisions that no running transaction can precede.

-- AlterTable
ALTER TABLE "revisions" ADD COLUMN     "doc" JSONB,
ADD COLUMN     "txid" xid8 NOT NULL DEFAULT pg_current_xact_id();

-- Edited: revisions written before this migration get the item of their fact's current version.
UPDATE "revisions" r SET "doc" = f."doc" FROM "actors" f
 WHERE r."resource" = 'actors' AND r."fact_id" = f."id" AND r."version" = f."version" AND f."deleted_at" IS NULL;
UPDATE "revisions" r SET "doc" = f."doc" FROM "statements" f
 WHERE r."resource" = 'statements' AND r."fact_id" = f."id" AND r."version" = f."version" AND f."deleted_at" IS NULL;
UPDATE "revisions" r SET "doc" = f."doc" FROM "sanctions" f
 WHERE r."resource" = 'sanctions' AND r."fact_id" = f."id" AND r."version" = f."version" AND f."deleted_at" IS NULL;
UPDATE "revisions" r SET "doc" = f."doc" FROM "attack_events" f
 WHERE r."resource" = 'attack-events' AND r."fact_id" = f."id" AND r."version" = f."version" AND f."deleted_at" IS NULL;
