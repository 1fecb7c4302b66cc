-- An actor's timeline orders the facts of a day by id in the C collation (the same order on every
-- database). Its (actor, date) indexes had no id: a page read every fact of its last day (and of the
-- rest of the cursor's day) to sort them, 299 rows for a page of 50 of the busiest attacker at a
-- million attack events. With the id in that collation last, each role's part of a page stops after
-- the page's size. Prisma's schema cannot state an index column's collation: the schema lists the
-- same columns, and `prisma migrate diff` sees no drift between the two.
DROP INDEX "attack_events_attacker_id_occurred_on_idx";
CREATE INDEX "attack_events_attacker_id_occurred_on_id_idx" ON "attack_events"("attacker_id", "occurred_on", "id" COLLATE "C");

DROP INDEX "attack_events_counts_reported_by_id_occurred_on_idx";
CREATE INDEX "attack_events_counts_reported_by_id_occurred_on_id_idx" ON "attack_events"("counts_reported_by_id", "occurred_on", "id" COLLATE "C");

DROP INDEX "sanctions_authority_id_announced_on_idx";
CREATE INDEX "sanctions_authority_id_announced_on_id_idx" ON "sanctions"("authority_id", "announced_on", "id" COLLATE "C");

-- A speaker's statements have an index in list order already (id in the database's collation), which
-- the speaker filter of /v1/statements pages along; this one is the timeline's.
CREATE INDEX "statements_speaker_id_said_on_id_c_idx" ON "statements"("speaker_id", "said_on", "id" COLLATE "C");
