import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";
import {
  copyEmbeddedTemplate, installedPgliteVersion, templateDataDir, templateStampFile,
} from "../src/db/embedded-template.ts";

// The suite's seeded snapshot stands in for the template `npm run build` makes (it is made the same
// way: a new cluster, migrated and seeded). Embedded runs only: on a server run there is no snapshot.
const snapshotPath = inject("embeddedSnapshotPath");

describe.skipIf(!snapshotPath)("a new embedded database starts from the build's template", () => {
  let scratch: string;
  let templateDir: string;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), "warfacts-template-"));
    templateDir = path.join(scratch, "template");
    const made = await openDatabase(`pglite://${templateDataDir(templateDir)}`, {
      poolSize: 1,
      embeddedSnapshot: new Blob([readFileSync(snapshotPath)]),
    });
    await made.close();
    writeFileSync(templateStampFile(templateDir), `${installedPgliteVersion()}\n`);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("is migrated and seeded already: starting applies no migration and changes no fact", async () => {
    const database = await openDatabase(`pglite://${scratch}/fresh/pg`, { poolSize: 1, embeddedTemplateDir: templateDir });
    try {
      const prepared = await prepareDatabase(database, { migrate: true, seed: true });
      expect(prepared.appliedMigrations).toEqual([]);
      expect(prepared.seeded?.changedFacts).toBe(0);
      const [row] = await database.sql.query<{ count: number }>("SELECT count(*)::int AS count FROM statements");
      expect(row!.count).toBe(26);
    } finally {
      await database.close();
    }
    // The copy is renamed into place: nothing half-made is left beside it.
    expect(readdirSync(scratch).sort()).toEqual(["fresh", "template"]);
  });

  it("never replaces an existing data directory", () => {
    const existing = path.join(scratch, "existing", "pg");
    mkdirSync(existing, { recursive: true });
    writeFileSync(path.join(existing, "PG_VERSION"), "18\n");
    expect(copyEmbeddedTemplate(existing, templateDir)).toBe(false);
    expect(readdirSync(existing)).toEqual(["PG_VERSION"]);
  });

  it("is not used when another PGlite release made it (their data directories are incompatible)", () => {
    const otherRelease = path.join(scratch, "other-release");
    cpSync(templateDir, otherRelease, { recursive: true });
    writeFileSync(templateStampFile(otherRelease), "0.4.6\n");
    const target = path.join(scratch, "not-copied", "pg");
    expect(copyEmbeddedTemplate(target, otherRelease)).toBe(false);
    expect(existsSync(target)).toBe(false);
    expect(copyEmbeddedTemplate(target, path.join(scratch, "no-template-here"))).toBe(false);
  });
});
