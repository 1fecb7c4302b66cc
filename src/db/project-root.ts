import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The folder of package.json, where prisma/ (migrations, seed texts) and dist/ live: the same
 * whether this code runs from src/ (tsx) or compiled from dist/src/ (`npm start`).
 */
export const PROJECT_ROOT = findPackageRoot(import.meta.dirname);

function findPackageRoot(directory: string): string {
  for (let current = directory; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, "package.json"))) return current;
    if (path.dirname(current) === current) throw new Error(`No package.json in ${directory} or above`);
  }
}
