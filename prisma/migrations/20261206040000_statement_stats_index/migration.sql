-- Statement stats (`/v1/statements/stats`, by speaker or by kind) count statements and verbatim
-- quotes per group: they read every matching statement's row from the table (1.9 GB at a million
-- statements). With every column they read in one index, they scan only the index (59 MB there).
-- One client at a million statements, with the stats now counting by key before labelling (the
-- same change), all statements by speaker: 805 ms before, 429 with the new query alone, 110 with
-- both; a year by kind: 390, 335, 64 ms.
CREATE INDEX "statements_said_on_deleted_at_speaker_id_kind_quote_type_idx" ON "statements"("said_on", "deleted_at", "speaker_id", "kind", "quote_type");
