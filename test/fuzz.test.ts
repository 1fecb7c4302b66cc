import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFailure, type FuzzResult, type FuzzSession, type OpenApiDocument, startFuzzSession, statusTable } from "./helpers/fuzz.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// Issue 9: property-based fuzzing from the OpenAPI document, the fast profile (`npm run fuzz` runs the
// long one). Deterministic by default; FUZZ_SEED and FUZZ_RUNS (requests) change it.
const SEED = Number(process.env.FUZZ_SEED ?? 9);
const REQUESTS = Number(process.env.FUZZ_RUNS ?? 1600);
// Requests in flight at once: one property run sends a batch, as concurrent clients would.
const BATCH = 8;

let testApp: TestApp;
let session: FuzzSession;
beforeAll(async () => {
  testApp = await startTestApp();
  await testApp.app.listen({ port: 0, host: "127.0.0.1" });
  // Writes run on this file's own database: deletions and merges the fuzzer makes are lost with it.
  const all = await createKey(testApp, ["write", "admin", "sources:text"], "fuzz-all");
  const write = await createKey(testApp, ["write"], "fuzz-write");
  session = await startFuzzSession({
    port: (testApp.app.server.address() as AddressInfo).port,
    // The app's own document by default; FUZZ_DOCUMENT=openapi.yaml fuzzes from the committed one.
    document: (process.env.FUZZ_DOCUMENT ? parseYaml(readFileSync(process.env.FUZZ_DOCUMENT, "utf8")) : testApp.app.swagger()) as OpenApiDocument,
    bearers: { all: all.bearer, write: write.bearer },
    frameworkInput: process.env.FUZZ_FRAMEWORK === "1",
    skip: process.env.FUZZ_SKIP?.split(",") ?? [],
    only: process.env.FUZZ_ONLY?.split(",") ?? [],
  });
}, 240_000);
afterAll(async () => {
  session?.close();
  await testApp?.close();
});

describe("every operation of the document, fuzzed over HTTP", () => {
  it(`keeps the API's promises for ${REQUESTS} generated requests (seed ${SEED})`, async () => {
    const results: FuzzResult[] = [];
    const batches = fc.array(session.request, { minLength: BATCH, maxLength: BATCH });
    let broken = "";
    try {
      await fc.assert(
        fc.asyncProperty(batches, async (requests) => {
          const answered = await Promise.all(requests.map(session.run));
          results.push(...answered);
          const failed = answered.filter((result) => result.failures.length > 0);
          if (failed.length > 0) {
            broken = failed.map(describeFailure).join("\n");
            throw new Error(`${failed.length} broken promises`);
          }
        }),
        // No shrinking: each failing request is reported whole, with a curl line to replay it.
        { seed: SEED, numRuns: Math.ceil(REQUESTS / BATCH), endOnFailure: true },
      );
    } catch (error) {
      throw new Error(`Fuzzing failed (FUZZ_SEED=${SEED} FUZZ_RUNS=${REQUESTS}) after ${results.length} requests:\n${broken || (error as Error).message}`);
    }
    if (process.env.FUZZ_VERBOSE) console.log(statusTable(results.map((result) => ({ ...result.request, status: result.status }))));
    // The generator reaches every operation, and both sides of the contract.
    expect(new Set(results.map((result) => result.request.operation)).size).toBe(session.operations.size);
    expect(results.some((result) => result.status >= 200 && result.status < 300)).toBe(true);
    expect(results.some((result) => result.status === 400)).toBe(true);
  }, 300_000);
});
