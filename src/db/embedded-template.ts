import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PROJECT_ROOT } from "./project-root.ts";

/**
 * A migrated and seeded embedded data directory, made by `npm run build`. A new embedded database
 * starts as a copy of it: initdb (PostgreSQL compiled to WebAssembly), the migrations and the seed
 * take about 10 s, the copy a fraction of one. Migrations and seed changes made since still apply at
 * start, as on any existing database.
 */
export const EMBEDDED_TEMPLATE_DIR = path.join(PROJECT_ROOT, "dist", "embedded-template");

/** The data directory inside a template folder, beside the stamp of the PGlite that made it. */
export const templateDataDir = (templateDir: string) => path.join(templateDir, "pg");
export const templateStampFile = (templateDir: string) => path.join(templateDir, "pglite-version");

/** PGlite releases cannot open each other's data directories: a template is only good for its own. */
export function installedPgliteVersion(): string {
  const entry = fileURLToPath(import.meta.resolve("@electric-sql/pglite"));
  for (let directory = path.dirname(entry); directory !== path.dirname(directory); directory = path.dirname(directory)) {
    const manifest = path.join(directory, "package.json");
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  }
  throw new Error("@electric-sql/pglite has no package.json");
}

function templateFits(templateDir: string): boolean {
  const stamp = templateStampFile(templateDir);
  return existsSync(stamp) && readFileSync(stamp, "utf8").trim() === installedPgliteVersion();
}

const isNewDirectory = (directory: string) => !existsSync(directory) || readdirSync(directory).length === 0;

/**
 * Makes `dataDir` a copy of the template when `dataDir` is new (missing or empty) and the template
 * was made by the installed PGlite. True when it copied; otherwise PGlite runs initdb as usual.
 */
export function copyEmbeddedTemplate(dataDir: string, templateDir: string): boolean {
  if (!isNewDirectory(dataDir) || !templateFits(templateDir)) return false;
  // Copied beside it, then renamed: a start stopped mid-copy leaves no half-made data directory.
  const partial = `${dataDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(templateDataDir(templateDir), partial, { recursive: true });
  renameSync(partial, dataDir);
  return true;
}
