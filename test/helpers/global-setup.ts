import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { prepareDatabase } from "../../src/db/bootstrap.ts";
import { openDatabase } from "../../src/db/database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Tarball of a migrated, seeded embedded cluster; empty when the suite runs on a server. */
    embeddedSnapshotPath: string;
  }
}

/**
 * Initialising an embedded cluster and seeding it takes seconds; do it once per run and let each
 * test file open its own private copy of the result.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL?.startsWith("postgres")) {
    project.provide("embeddedSnapshotPath", "");
    return;
  }
  const database = await openDatabase("pglite://memory", { poolSize: 1 });
  await prepareDatabase(database, { migrate: true, seed: true });
  const snapshot = await database.dumpEmbedded!();
  await database.close();
  const directory = mkdtempSync(path.join(tmpdir(), "warfacts-test-"));
  const snapshotPath = path.join(directory, "seeded.tar");
  writeFileSync(snapshotPath, Buffer.from(await snapshot.arrayBuffer()));
  project.provide("embeddedSnapshotPath", snapshotPath);
  return () => rmSync(directory, { recursive: true, force: true });
}
