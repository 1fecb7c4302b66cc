import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curatedSources } from "../prisma/seed/index.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { applyPendingMigrations, readMigrations } from "../src/db/migrate.ts";
import { loadCuratedSources } from "../src/db/seed.ts";
import { locateExcerpt } from "../src/lib/excerpts.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

let testApp: TestApp;
beforeAll(async () => {
  testApp = await startTestApp();
});
afterAll(() => testApp?.close());

const TABLES = [
  "sources", "actors", "actor_aliases", "statements", "statement_subjects",
  "statement_links", "sanctions", "sanction_targets", "sanction_target_groups", "sanction_subjects",
  "attack_events", "attack_event_places", "attack_impacts", "claims", "evidence", "revisions",
];

async function rowCounts() {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [row] = await testApp.database.sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`);
    counts[table] = row!.count;
  }
  return counts;
}

describe("migrations", () => {
  it("are recorded in Prisma's own table with Prisma's checksums, and applying again does nothing", async () => {
    const rows = await testApp.database.sql.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    const migrations = readMigrations();
    expect(rows.map((row) => [row.migration_name, row.checksum])).toEqual(migrations.map((m) => [m.name, m.checksum]));
    expect(rows.every((row) => row.finished_at !== null)).toBe(true);
    const applied = await testApp.database.withSession((session) => applyPendingMigrations(session));
    expect(applied).toEqual([]);
  });

  it("refuse to go on past a migration that failed, and leave nothing of it behind", async () => {
    const broken = { name: "99999999999999_broken", script: "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;", checksum: "x" };
    await expect(
      testApp.database.withSession((session) => applyPendingMigrations(session, [...readMigrations(), broken])),
    ).rejects.toThrow(/99999999999999_broken failed/);
    const [table] = await testApp.database.sql.query<{ exists: boolean }>("SELECT to_regclass('half_done') IS NOT NULL AS exists");
    expect(table!.exists).toBe(false);
    await expect(prepareDatabase(testApp.database, { migrate: true, seed: false })).rejects.toThrow(/failed earlier/);
    await testApp.database.sql.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [broken.name]);
  });
});

describe("seeding", () => {
  it("is idempotent: loading the seed again adds no rows", async () => {
    const before = await rowCounts();
    expect(before.actors).toBe(31);
    expect(before.statements).toBe(26);
    const loaded = await loadCuratedSources(testApp.database, curatedSources);
    expect(loaded.changedFacts).toBe(0);
    expect(await rowCounts()).toEqual(before);
  });

  it("brings a curated source's metadata back when it drifted, and leaves an unchanged source alone", async () => {
    const id = curatedSources[0]!.source.id;
    const read = async () => (await testApp.http().get(`/v1/sources/${id}`).expect(200)).body;
    const curated = await read();
    // (A source's text cannot change once evidence quotes it: a trigger refuses.)
    await testApp.database.sql.query("UPDATE sources SET title = 'Edited', authors = '{}' WHERE id = $1", [id]);
    expect(await read()).toMatchObject({ title: "Edited", authors: [] });

    await loadCuratedSources(testApp.database, curatedSources);
    const restored = await read();
    expect(restored).toMatchObject({ title: curated.title, authors: curated.authors, textSha256: curated.textSha256 });
    expect(restored.updatedAt > curated.updatedAt).toBe(true);

    await loadCuratedSources(testApp.database, curatedSources);
    expect((await read()).updatedAt, "an unchanged source is not written").toBe(restored.updatedAt);
  });

  it("changes nothing when the same bundle is compared claim by claim: no updatedAt, no version, no revision", async () => {
    const lists = ["/v1/actors", "/v1/statements", "/v1/sanctions", "/v1/attack-events"];
    const read = async () => Promise.all(lists.map(async (path) => (await testApp.http().get(`${path}?limit=100`).expect(200)).body.data));
    const before = await read();
    const [revisionsBefore] = await testApp.database.sql.query<{ n: string }>("SELECT count(*) AS n FROM revisions");
    // Forget the digest of the applied bundle, so the reload compares every claim instead of skipping.
    await testApp.database.sql.query("UPDATE sources SET bundle_digest = NULL");
    const loaded = await loadCuratedSources(testApp.database, curatedSources);
    expect(loaded.claims).toMatchObject({ added: 0, changed: 0, removed: 0 });
    expect(loaded.claims.kept).toBeGreaterThan(200);
    expect(loaded.changedFacts).toBe(0);
    expect(await read()).toEqual(before);
    const [revisionsAfter] = await testApp.database.sql.query<{ n: string }>("SELECT count(*) AS n FROM revisions");
    expect(revisionsAfter).toEqual(revisionsBefore);
  });
});

describe("excerpt offsets", () => {
  it("count Unicode code points and demand an occurrence for repeated excerpts", () => {
    expect(locateExcerpt("a😀b“c”", "“c”")).toEqual({ start: 3, end: 6 });
    expect(() => locateExcerpt("x y x", "x")).toThrow(/occurs 2 times/);
    expect(locateExcerpt("x y x", "x", 2)).toEqual({ start: 4, end: 5 });
    expect(() => locateExcerpt("abc", "d")).toThrow(/not found/);
  });
});

describe.skipIf(!process.env.DATABASE_URL?.startsWith("postgres"))("reads on a PostgreSQL server", () => {
  const modeOf = async (planEachTime: boolean, withValue: boolean) => {
    const text = withValue ? "SELECT current_setting('plan_cache_mode') AS mode, $1::int AS n" : "SELECT current_setting('plan_cache_mode') AS mode";
    const rows = await testApp.database.sql.query<{ mode: string }>(text, withValue ? [1] : [], { planEachTime });
    return rows[0]!.mode;
  };

  it("planned for their values run on connections that keep no plan; every other read keeps its plan", async () => {
    // Several at once, so that several connections of each pool answer, new ones among them.
    const planned = await Promise.all(Array.from({ length: 12 }, (_, k) => modeOf(true, k % 2 === 0)));
    const kept = await Promise.all(Array.from({ length: 12 }, (_, k) => modeOf(false, k % 2 === 0)));
    expect(new Set(planned)).toEqual(new Set(["force_custom_plan"]));
    expect(new Set(kept)).toEqual(new Set(["auto"]));
    // A search (its words in a tsquery) goes to the planned connections without being told.
    const [sniffed] = await testApp.database.sql.query<{ mode: string }>(
      "SELECT current_setting('plan_cache_mode') AS mode WHERE to_tsvector('english', 'drones') @@ websearch_to_tsquery('english', $1)", ["drone"]);
    expect(sniffed?.mode).toBe("force_custom_plan");
  });
});
