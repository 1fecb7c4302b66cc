import { createRequire } from "node:module"; const require = createRequire(import.meta.url);
import { it } from "vitest";
import { startAuthApp } from "./helpers/zz-auth-app.ts";
it("dump", async () => {
  const t = await startAuthApp();
  const doc = t.app.swagger() as any;
  require("node:fs").writeFileSync("/tmp/docscheck/doc.json", JSON.stringify({ paths: doc.paths, sec: doc.components.securitySchemes, schemas: Object.keys(doc.components.schemas) }, null, 1));
  await t.close();
});
