-- CreateEnum
CREATE TYPE "actor_type" AS ENUM ('PERSON', 'STATE', 'ORGANISATION', 'GOVERNMENT_BODY', 'ARMED_FORCE', 'PLACE', 'GROUP');

-- CreateEnum
CREATE TYPE "place_kind" AS ENUM ('CITY', 'REGION', 'CONTINENT');

-- CreateEnum
CREATE TYPE "time_precision" AS ENUM ('YEAR', 'MONTH', 'DAY', 'PART_OF_DAY', 'MINUTE');

-- CreateEnum
CREATE TYPE "qualifier" AS ENUM ('EXACT', 'MORE_THAN', 'AT_LEAST', 'LESS_THAN', 'AT_MOST', 'ABOUT', 'UP_TO');

-- CreateEnum
CREATE TYPE "statement_kind" AS ENUM ('ACCUSATION', 'ADMISSION', 'ANNOUNCEMENT', 'ASSESSMENT', 'CALL', 'CLAIM', 'CONCERN', 'DENIAL', 'REBUTTAL', 'WARNING');

-- CreateEnum
CREATE TYPE "quote_type" AS ENUM ('VERBATIM', 'PARTIAL_QUOTE', 'PARAPHRASE');

-- CreateEnum
CREATE TYPE "sanction_status" AS ENUM ('ANNOUNCED', 'IN_FORCE', 'LIFTED');

-- CreateEnum
CREATE TYPE "target_kind" AS ENUM ('INDIVIDUAL', 'COMPANY', 'INSTITUTION');

-- CreateEnum
CREATE TYPE "attack_kind" AS ENUM ('DRONE_ATTACK', 'MISSILE_ATTACK', 'SHELLING', 'GROUND_FIGHTING');

-- CreateEnum
CREATE TYPE "impact_kind" AS ENUM ('POWER_OUTAGE', 'DESTRUCTION', 'CASUALTIES');

-- CreateEnum
CREATE TYPE "evidence_subject" AS ENUM ('ACTOR', 'ACTOR_ROLE', 'ACTOR_DESCRIPTION', 'STATEMENT', 'SANCTION', 'SANCTION_TARGET_GROUP', 'ATTACK_EVENT', 'ATTACK_IMPACT');

-- CreateTable
CREATE TABLE "sources" (
    "id" TEXT NOT NULL,
    "publisher" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "authors" TEXT[],
    "url" TEXT,
    "published_on" DATE NOT NULL,
    "language" TEXT NOT NULL,
    "translation_note" TEXT,
    "licence" TEXT,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "actors" (
    "id" TEXT NOT NULL,
    "type" "actor_type" NOT NULL,
    "name" TEXT NOT NULL,
    "name_key" TEXT NOT NULL,
    "place_kind" "place_kind",
    "country_id" TEXT,
    "parent_id" TEXT,
    "wikidata_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "actors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "actor_aliases" (
    "actor_id" TEXT NOT NULL,
    "alias" TEXT NOT NULL,
    "alias_key" TEXT NOT NULL,

    CONSTRAINT "actor_aliases_pkey" PRIMARY KEY ("actor_id","alias")
);

-- CreateTable
CREATE TABLE "actor_roles" (
    "id" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "organisation_id" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "actor_roles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "actor_descriptions" (
    "id" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "actor_descriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "statements" (
    "id" TEXT NOT NULL,
    "speaker_id" TEXT NOT NULL,
    "kind" "statement_kind" NOT NULL,
    "quote_type" "quote_type" NOT NULL,
    "text" TEXT NOT NULL,
    "said_on" DATE,
    "said_precision" "time_precision",
    "said_wording" TEXT,
    "medium" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "statements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "statement_subjects" (
    "statement_id" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,

    CONSTRAINT "statement_subjects_pkey" PRIMARY KEY ("statement_id","actor_id")
);

-- CreateTable
CREATE TABLE "statement_links" (
    "statement_id" TEXT NOT NULL,
    "responds_to_id" TEXT NOT NULL,

    CONSTRAINT "statement_links_pkey" PRIMARY KEY ("statement_id","responds_to_id")
);

-- CreateTable
CREATE TABLE "sanctions" (
    "id" TEXT NOT NULL,
    "authority_id" TEXT NOT NULL,
    "measure" TEXT NOT NULL,
    "programme" TEXT,
    "reason" TEXT NOT NULL,
    "status" "sanction_status" NOT NULL,
    "announced_on" DATE,
    "announced_precision" "time_precision",
    "announced_wording" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sanctions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sanction_targets" (
    "sanction_id" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,

    CONSTRAINT "sanction_targets_pkey" PRIMARY KEY ("sanction_id","actor_id")
);

-- CreateTable
CREATE TABLE "sanction_target_groups" (
    "id" TEXT NOT NULL,
    "sanction_id" TEXT NOT NULL,
    "kind" "target_kind" NOT NULL,
    "count" INTEGER NOT NULL,
    "qualifier" "qualifier" NOT NULL,
    "description" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "sanction_target_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sanction_subjects" (
    "sanction_id" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,

    CONSTRAINT "sanction_subjects_pkey" PRIMARY KEY ("sanction_id","actor_id")
);

-- CreateTable
CREATE TABLE "attack_events" (
    "id" TEXT NOT NULL,
    "kind" "attack_kind" NOT NULL,
    "description" TEXT NOT NULL,
    "occurred_on" DATE,
    "occurred_precision" "time_precision",
    "occurred_wording" TEXT,
    "attacker_id" TEXT,
    "weapon" TEXT,
    "launched" INTEGER,
    "launched_qualifier" "qualifier",
    "intercepted" INTEGER,
    "intercepted_qualifier" "qualifier",
    "counts_reported_by_id" TEXT,
    "killed" INTEGER,
    "killed_qualifier" "qualifier",
    "injured" INTEGER,
    "injured_qualifier" "qualifier",
    "casualty_wording" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "attack_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attack_event_places" (
    "event_id" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,

    CONSTRAINT "attack_event_places_pkey" PRIMARY KEY ("event_id","actor_id")
);

-- CreateTable
CREATE TABLE "attack_impacts" (
    "id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "kind" "impact_kind" NOT NULL,
    "description" TEXT NOT NULL,
    "place_id" TEXT,
    "people_affected" INTEGER,
    "people_affected_qualifier" "qualifier",
    "recovery_estimate" TEXT,
    "reported_by_id" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "attack_impacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evidence" (
    "id" SERIAL NOT NULL,
    "source_id" TEXT NOT NULL,
    "subject_type" "evidence_subject" NOT NULL,
    "subject_id" TEXT NOT NULL,
    "field" TEXT,
    "excerpt" TEXT NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "evidence_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sources_published_on_id_idx" ON "sources"("published_on", "id");

-- CreateIndex
CREATE INDEX "actors_name_key_idx" ON "actors"("name_key");

-- CreateIndex
CREATE INDEX "actors_type_name_key_idx" ON "actors"("type", "name_key");

-- CreateIndex
CREATE INDEX "actors_country_id_idx" ON "actors"("country_id");

-- CreateIndex
CREATE INDEX "actors_parent_id_idx" ON "actors"("parent_id");

-- CreateIndex
CREATE INDEX "actor_aliases_alias_key_idx" ON "actor_aliases"("alias_key");

-- CreateIndex
CREATE INDEX "actor_roles_actor_id_position_idx" ON "actor_roles"("actor_id", "position");

-- CreateIndex
CREATE INDEX "actor_roles_organisation_id_idx" ON "actor_roles"("organisation_id");

-- CreateIndex
CREATE INDEX "actor_descriptions_actor_id_position_idx" ON "actor_descriptions"("actor_id", "position");

-- CreateIndex
CREATE INDEX "statements_said_on_id_idx" ON "statements"("said_on", "id");

-- CreateIndex
CREATE INDEX "statements_speaker_id_idx" ON "statements"("speaker_id");

-- CreateIndex
CREATE INDEX "statements_kind_idx" ON "statements"("kind");

-- CreateIndex
CREATE INDEX "statement_subjects_actor_id_idx" ON "statement_subjects"("actor_id");

-- CreateIndex
CREATE INDEX "statement_links_responds_to_id_idx" ON "statement_links"("responds_to_id");

-- CreateIndex
CREATE INDEX "sanctions_announced_on_id_idx" ON "sanctions"("announced_on", "id");

-- CreateIndex
CREATE INDEX "sanctions_authority_id_idx" ON "sanctions"("authority_id");

-- CreateIndex
CREATE INDEX "sanction_targets_actor_id_idx" ON "sanction_targets"("actor_id");

-- CreateIndex
CREATE INDEX "sanction_target_groups_sanction_id_position_idx" ON "sanction_target_groups"("sanction_id", "position");

-- CreateIndex
CREATE INDEX "sanction_subjects_actor_id_idx" ON "sanction_subjects"("actor_id");

-- CreateIndex
CREATE INDEX "attack_events_occurred_on_id_idx" ON "attack_events"("occurred_on", "id");

-- CreateIndex
CREATE INDEX "attack_events_attacker_id_idx" ON "attack_events"("attacker_id");

-- CreateIndex
CREATE INDEX "attack_events_kind_idx" ON "attack_events"("kind");

-- CreateIndex
CREATE INDEX "attack_event_places_actor_id_idx" ON "attack_event_places"("actor_id");

-- CreateIndex
CREATE INDEX "attack_impacts_event_id_position_idx" ON "attack_impacts"("event_id", "position");

-- CreateIndex
CREATE INDEX "evidence_subject_type_subject_id_position_idx" ON "evidence"("subject_type", "subject_id", "position");

-- CreateIndex
CREATE INDEX "evidence_source_id_idx" ON "evidence"("source_id");

-- AddForeignKey
ALTER TABLE "actors" ADD CONSTRAINT "actors_country_id_fkey" FOREIGN KEY ("country_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actors" ADD CONSTRAINT "actors_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actor_aliases" ADD CONSTRAINT "actor_aliases_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actor_roles" ADD CONSTRAINT "actor_roles_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actor_roles" ADD CONSTRAINT "actor_roles_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actor_descriptions" ADD CONSTRAINT "actor_descriptions_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statements" ADD CONSTRAINT "statements_speaker_id_fkey" FOREIGN KEY ("speaker_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_subjects" ADD CONSTRAINT "statement_subjects_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "statements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_subjects" ADD CONSTRAINT "statement_subjects_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_links" ADD CONSTRAINT "statement_links_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "statements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_links" ADD CONSTRAINT "statement_links_responds_to_id_fkey" FOREIGN KEY ("responds_to_id") REFERENCES "statements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sanctions" ADD CONSTRAINT "sanctions_authority_id_fkey" FOREIGN KEY ("authority_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sanction_targets" ADD CONSTRAINT "sanction_targets_sanction_id_fkey" FOREIGN KEY ("sanction_id") REFERENCES "sanctions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sanction_targets" ADD CONSTRAINT "sanction_targets_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sanction_target_groups" ADD CONSTRAINT "sanction_target_groups_sanction_id_fkey" FOREIGN KEY ("sanction_id") REFERENCES "sanctions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sanction_subjects" ADD CONSTRAINT "sanction_subjects_sanction_id_fkey" FOREIGN KEY ("sanction_id") REFERENCES "sanctions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sanction_subjects" ADD CONSTRAINT "sanction_subjects_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attack_events" ADD CONSTRAINT "attack_events_attacker_id_fkey" FOREIGN KEY ("attacker_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attack_events" ADD CONSTRAINT "attack_events_counts_reported_by_id_fkey" FOREIGN KEY ("counts_reported_by_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attack_event_places" ADD CONSTRAINT "attack_event_places_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "attack_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attack_event_places" ADD CONSTRAINT "attack_event_places_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attack_impacts" ADD CONSTRAINT "attack_impacts_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "attack_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attack_impacts" ADD CONSTRAINT "attack_impacts_place_id_fkey" FOREIGN KEY ("place_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attack_impacts" ADD CONSTRAINT "attack_impacts_reported_by_id_fkey" FOREIGN KEY ("reported_by_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;
