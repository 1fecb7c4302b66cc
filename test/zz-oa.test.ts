import { it } from "vitest";
import { startAuthApp } from "./helpers/auth-app.ts";
it("x", async () => {
  const t = await startAuthApp();
  try { t.app.swagger(); } catch (e) { console.log("ERR", e); }
  await t.close();
});
