// `npm run build` (also run by `npm ci`/`npm install` as `prepare`): compiles the service to dist/,
// so that `npm start` runs plain node, and makes the embedded template: a migrated, seeded data
// directory that a new embedded database is copied from instead of running initdb on first start.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";
import {
  EMBEDDED_TEMPLATE_DIR, installedPgliteVersion, templateDataDir, templateStampFile,
} from "../src/db/embedded-template.ts";
import { PROJECT_ROOT } from "../src/db/project-root.ts";

const DIST = path.join(PROJECT_ROOT, "dist");
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", path.join(PROJECT_ROOT, "tsconfig.build.json")], { stdio: "inherit" });
copyAssets(path.join(PROJECT_ROOT, "src"), path.join(DIST, "src"));
console.log(`Compiled to dist/ (${seconds()})`);

await makeEmbeddedTemplate(EMBEDDED_TEMPLATE_DIR);
console.log(`Made the embedded template in ${path.relative(PROJECT_ROOT, EMBEDDED_TEMPLATE_DIR)}/ (${seconds()})`);

/** Files the code reads beside itself (JSON), which tsc does not copy. */
function copyAssets(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".json")) continue;
    const source = path.join(entry.parentPath, entry.name);
    if (source.includes(`${path.sep}generated${path.sep}`)) continue;
    cpSync(source, path.join(to, path.relative(from, source)));
  }
}

/** A new cluster (initdb), migrated and seeded exactly as a first start would, then closed cleanly. */
async function makeEmbeddedTemplate(templateDir: string): Promise<void> {
  const building = `${templateDir}.building`;
  rmSync(building, { recursive: true, force: true });
  const database = await openDatabase(`pglite://${templateDataDir(building)}`, { poolSize: 1 });
  try {
    await prepareDatabase(database, { migrate: true, seed: true });
  } finally {
    await database.close();
  }
  writeFileSync(templateStampFile(building), `${installedPgliteVersion()}\n`);
  rmSync(templateDir, { recursive: true, force: true });
  renameSync(building, templateDir);
}
