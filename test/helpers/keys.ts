import { createApiKeysRepository } from "../../src/modules/api-keys/api-keys.repository.ts";
import type { Scope } from "../../src/modules/api-keys/api-keys.schemas.ts";
import type { TestApp } from "./test-app.ts";

/** A live API key with these scopes, made through the repository (what `npm run keys -- create` does). */
export async function createKey(testApp: TestApp, scopes: Scope[], name = `test-${scopes.join("-") || "none"}`) {
  const created = await createApiKeysRepository(testApp.database.sql).create({ name, scopes });
  return { id: created.id, key: created.key, bearer: `Bearer ${created.key}` };
}
