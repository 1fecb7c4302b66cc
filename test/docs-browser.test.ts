import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// Debian's chromium (`.ci/run` installs it when missing), driven by playwright-core: the docs page
// as a reader's browser runs it, under the service's real Content-Security-Policy.
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];
const SCREENSHOT = "test-results/docs.png";
// Bounded, and generous: on a loaded CI machine the page (1.5 MB of script) can take many seconds.
const STEP_TIMEOUT_MS = 45_000;
const hasChromium = existsSync(CHROMIUM);
const suite = hasChromium ? describe : describe.skip;
const title = hasChromium
  ? "the docs page in a browser"
  : `the docs page in a browser (SKIPPED: no chromium at ${CHROMIUM}; apt-get install chromium)`;

interface Violation {
  directive: string;
  blocked: string;
}

suite(title, () => {
  let testApp: TestApp;
  let origin: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const violations: Violation[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    testApp = await startTestApp();
    await testApp.app.listen({ host: "127.0.0.1", port: 0 });
    origin = `http://127.0.0.1:${(testApp.app.server.address() as AddressInfo).port}`;
    profile = mkdtempSync(path.join(tmpdir(), "warfacts-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 60_000,
      viewport: { width: 1280, height: 1000 },
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    // Both ways a browser reports a CSP violation: the DOM event, and the console line.
    await page.exposeFunction("reportViolation", (violation: Violation) => violations.push(violation));
    await page.addInitScript(`document.addEventListener("securitypolicyviolation", (event) =>
      window.reportViolation({ directive: event.violatedDirective, blocked: event.blockedURI }))`);
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(String(error)));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await testApp?.close();
  }, 90_000);

  it("loads /docs under its Content-Security-Policy with no violation", async () => {
    const response = await page.goto(`${origin}/docs`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.locator(".opblock").first().waitFor();
    expect(violations).toEqual([]);
    expect(consoleErrors.filter((text) => /Content Security Policy|Refused to/i.test(text))).toEqual([]);
  }, 120_000);

  it("shows every operation of the OpenAPI document", async () => {
    const document = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const METHODS = new Set(["get", "head", "post", "put", "patch", "delete", "options", "trace"]);
    const expected = Object.entries(document.paths)
      .flatMap(([url, item]) => Object.keys(item).filter((method) => METHODS.has(method)).map((method) => `${method.toUpperCase()} ${url}`))
      .sort();
    const shown = await page.$$eval(".opblock", (blocks) =>
      blocks.map((block) => `${block.querySelector(".opblock-summary-method")?.textContent?.trim()} ${block.querySelector(".opblock-summary-path")?.getAttribute("data-path")}`),
    );
    expect(expected.length).toBeGreaterThan(40);
    expect([...new Set(shown)].sort()).toEqual(expected);
  }, 120_000);

  it("authorises with a write key, tries a list, shows the 200, and saves a screenshot", async () => {
    const { key } = await createKey(testApp, ["write"], "docs browser");
    await page.locator("button.authorize").first().click();
    const dialog = page.locator(".modal-ux");
    await dialog.locator("input").first().fill(key);
    await dialog.locator(".auth-btn-wrapper button.authorize").click();
    await dialog.getByText("Authorized", { exact: true }).waitFor();
    await dialog.locator("button.btn-done").click();

    const operation = page.locator("#operations-statements-listStatements");
    await operation.locator(".opblock-summary").click();
    await operation.locator(".try-out__btn").click();
    await operation.locator("button.execute").click();
    const status = operation.locator(".live-responses-table .response .response-col_status").first();
    await expect.poll(() => status.textContent(), { timeout: STEP_TIMEOUT_MS }).toMatch(/^\s*200/);
    // The request went out with the key, and the body is the list.
    expect(await operation.locator(".curl-command").textContent()).toContain(`Authorization: Bearer ${key}`);
    expect(await operation.locator(".live-responses-table .response .response-col_description").first().textContent()).toContain("\"data\"");

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await operation.locator(".live-responses-table").scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(violations).toEqual([]);
  }, 180_000);
});
