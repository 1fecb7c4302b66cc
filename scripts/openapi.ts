// Writes openapi.yaml from the routes' zod schemas; `--check` fails instead when the file differs.
import { readFileSync, writeFileSync } from "node:fs";
import { renderOpenApiYaml } from "../src/openapi.ts";

const OPENAPI_FILE = new URL("../openapi.yaml", import.meta.url);
const generated = await renderOpenApiYaml();

if (process.argv.includes("--check")) {
  const committed = readFileSync(OPENAPI_FILE, "utf8");
  if (committed !== generated) {
    console.error("openapi.yaml is out of date: run `npm run openapi` and commit the result.");
    process.exit(1);
  }
  console.log("openapi.yaml is up to date.");
} else {
  writeFileSync(OPENAPI_FILE, generated);
  console.log(`Wrote openapi.yaml (${generated.length} bytes).`);
}
