-- Issue 8: one speaker's statements in list order. The speaker filter of GET /v1/statements read a
-- date index and dropped the other speakers' rows one by one (3,000 rows for a page at a million
-- statements); this index serves the page in order. It replaces the index on speaker_id alone.

-- DropIndex
DROP INDEX "statements_speaker_id_idx";

-- CreateIndex
CREATE INDEX "statements_speaker_id_said_on_id_idx" ON "statements"("speaker_id", "said_on", "id");
