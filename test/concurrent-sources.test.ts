import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// Several outlets' bundles about the same attack, put at the same moment: every source's claim
// lands, none is lost to another's load (on PostgreSQL they really run concurrently).

const EVENT = "/v1/attack-events/ae-2022-12-10-southern-ukraine-drones";
const OUTLETS = 8;

let testApp: TestApp;
let writer: string;

const sourceOf = (n: number) => ({
  id: `invented-outlet-${n}`,
  publisher: `Invented Outlet ${n} (fictional, for tests)`,
  title: `Drone count ${n}`,
  publishedOn: "2022-12-12",
  language: "en",
  text: `INVENTED TEST FIXTURE ${n}. Officials said ${20 + n} drones were launched early Saturday. Schools closed in Odesa ${n}.`,
});

const bundleOf = (n: number) => ({
  attackEvents: [{
    id: "ae-2022-12-10-southern-ukraine-drones", kind: "drone_attack", description: "Drones over the south.",
    launched: { value: 20 + n, evidence: [`${20 + n} drones were launched`] },
    places: ["odesa"],
    evidence: [`Officials said ${20 + n} drones were launched early Saturday.`],
  }],
  statements: [{
    id: `invented-statement-${n}`, speakerId: "odesa", kind: "announcement", quoteType: "paraphrase",
    text: `Schools closed in Odesa ${n}.`, about: ["odesa"], evidence: [`Schools closed in Odesa ${n}.`],
  }],
});

beforeAll(async () => {
  testApp = await startTestApp();
  writer = (await createKey(testApp, ["write"])).bearer;
  for (let n = 1; n <= OUTLETS; n++) await testApp.http().post("/v1/sources").set("authorization", writer).send(sourceOf(n)).expect(201);
});
afterAll(() => testApp?.close());

describe("bundles of several sources put at once", () => {
  it("keeps every source's claim on the shared fact, and the BBC's", async () => {
    const before = (await testApp.http().get(EVENT).expect(200)).body;
    const responses = await Promise.all(
      Array.from({ length: OUTLETS }, (_, index) =>
        testApp.http().put(`/v1/sources/invented-outlet-${index + 1}/bundle`).set("authorization", writer).send(bundleOf(index + 1))),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(OUTLETS).fill(200));
    const event = (await testApp.http().get(EVENT).expect(200)).body;
    expect(event.sourceCount).toBe(1 + OUTLETS);
    expect(event.launched.claims.map((claim: { value: number }) => claim.value).sort((a: number, b: number) => a - b))
      .toEqual([15, ...Array.from({ length: OUTLETS }, (_, index) => 21 + index)]);
    expect(event.launched).toMatchObject({ value: 15, low: 15, high: 20 + OUTLETS, disputed: true });
    expect(event.launched.claims[0]).toEqual(before.launched.claims[0]);
    const revisions = (await testApp.http().get(`${EVENT}/revisions`).expect(200)).body.data;
    // One revision per load that changed it, numbered without gaps or repeats.
    expect(revisions.map((revision: { version: number }) => revision.version)).toEqual(revisions.map((_: unknown, index: number) => index + 1));
    expect(revisions.length).toBe(1 + OUTLETS);
  });
});
