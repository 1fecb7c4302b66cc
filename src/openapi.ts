import { stringify } from "yaml";
import { buildApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import type { SqlClient } from "./db/database.ts";

// The document depends on the routes' schemas only, so it is built without a database.
const noDatabase: SqlClient = {
  query: () => Promise.reject(new Error("no database while generating the OpenAPI document")),
};

/** The OpenAPI document as committed in openapi.yaml. */
export async function renderOpenApiYaml(): Promise<string> {
  const app = await buildApp({ config: { ...loadConfig({}), logLevel: "silent" }, sql: noDatabase, transaction: () => Promise.reject(new Error("no database")) });
  try {
    await app.ready();
    return stringify(app.swagger(), { lineWidth: 0, aliasDuplicateObjects: false });
  } finally {
    await app.close();
  }
}
