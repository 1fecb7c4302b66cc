-- An actor's timeline reads each role's facts in date order, a page at a time: off an (actor, date)
-- index, PostgreSQL stops after the page; off the actor's index alone it read, grouped and sorted
-- every fact of an attacker in a quarter of a million for each page (2.6 s). Each pair replaces
-- the actor's own index, of which it is a prefix (foreign key checks and filters use it the same).
DROP INDEX "sanctions_authority_id_idx";
CREATE INDEX "sanctions_authority_id_announced_on_idx" ON "sanctions"("authority_id", "announced_on");

DROP INDEX "attack_events_attacker_id_idx";
CREATE INDEX "attack_events_attacker_id_occurred_on_idx" ON "attack_events"("attacker_id", "occurred_on");

DROP INDEX "attack_events_counts_reported_by_id_idx";
CREATE INDEX "attack_events_counts_reported_by_id_occurred_on_idx" ON "attack_events"("counts_reported_by_id", "occurred_on");
