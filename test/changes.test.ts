import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchAll } from "./helpers/crawl.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// A partner mirrors warfacts from the change feed alone, while editors write concurrently.

type Item = Record<string, unknown> & { id: string; version?: number };
interface Change { resource: string; id: string; action: string; version: number; item: Item | null }

let testApp: TestApp;
let writer: string;
const RESOURCES = ["actors", "statements", "sanctions", "attack-events"];

beforeAll(async () => {
  testApp = await startTestApp();
  writer = (await createKey(testApp, ["write"])).bearer;
});
afterAll(() => testApp?.close());

/** A mirror: for each fact the change with the highest version, as the feed's documentation says. */
class Mirror {
  readonly facts = new Map<string, { version: number; item: Item | null }>();
  cursor: string | undefined;
  applied = 0;

  async poll(): Promise<number> {
    let received = 0;
    for (;;) {
      const response = await testApp.http().get("/v1/changes").query({ limit: 50, ...(this.cursor ? { after: this.cursor } : {}) }).expect(200);
      for (const change of response.body.data as Change[]) {
        const key = `${change.resource}/${change.id}`;
        const known = this.facts.get(key);
        if (!known || change.version > known.version) this.facts.set(key, { version: change.version, item: change.item });
        received++;
      }
      this.cursor = response.body.page.nextCursor;
      if (response.body.data.length < 50) return received;
    }
  }

  live(): Map<string, Item> {
    return new Map([...this.facts].filter(([, fact]) => fact.item !== null).map(([key, fact]) => [key, fact.item!]));
  }
}

async function sourceOfTruth(): Promise<Map<string, Item>> {
  const facts = new Map<string, Item>();
  for (const resource of RESOURCES) for (const item of await fetchAll<Item>(testApp.http, `/v1/${resource}?limit=100`)) facts.set(`${resource}/${item.id}`, item);
  return facts;
}

describe("the change feed", () => {
  it("lets a mirror that starts empty and polls while 20 writers work end equal to the source of truth", async () => {
    const mirror = new Mirror();
    expect(await mirror.poll()).toBeGreaterThanOrEqual(62);
    expect(mirror.live()).toEqual(await sourceOfTruth());

    const statements = (await fetchAll<Item>(testApp.http, "/v1/statements?limit=100")).map((item) => item.id);
    let writing = true;
    const reader = (async () => {
      while (writing) {
        await mirror.poll();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // 20 writers at once: edits, deletions, new facts, claims.
    const writes = Array.from({ length: 20 }, (_, index) => {
      const id = statements[index]!;
      if (index % 5 === 0) return testApp.http().delete(`/v1/statements/${id}`).set("authorization", writer);
      if (index % 5 === 1) {
        return testApp.http().post("/v1/actors").set("authorization", writer).send({
          id: `mirror-test-actor-${index}`, sourceId: "bbc-2022-12-10-iran-russia-main-military-backer", type: "group",
          name: `Mirror test group ${index}`, evidence: ["told the BBC"],
        });
      }
      return testApp.http().patch(`/v1/statements/${id}`).set("authorization", writer).send({ medium: `medium ${index}` });
    });
    const statuses = (await Promise.all(writes)).map((response) => response.status);
    expect(statuses.every((status) => status === 200 || status === 201 || status === 204), String(statuses)).toBe(true);
    writing = false;
    await reader;
    await mirror.poll();

    const truth = await sourceOfTruth();
    expect(mirror.live()).toEqual(truth);
    const deleted = [...mirror.facts].filter(([, fact]) => fact.item === null).map(([key]) => key);
    expect(deleted.sort()).toEqual(statements.filter((_, index) => index % 5 === 0 && index < 20).map((id) => `statements/${id}`).sort());
    // Nothing new: a poll at the end of the feed returns nothing and keeps its place.
    const atEnd = mirror.cursor;
    expect(await mirror.poll()).toBe(0);
    expect(mirror.cursor).toBe(atEnd);
  });

  it("refuses a cursor it did not issue, naming the parameter", async () => {
    const listCursor = (await testApp.http().get("/v1/statements?limit=1").expect(200)).body.page.nextCursor;
    for (const after of [listCursor, "garbage", Buffer.from(JSON.stringify(["chg", "x", 1])).toString("base64url")]) {
      const response = await testApp.http().get("/v1/changes").query({ after }).expect(400);
      expect(response.body.errors).toEqual([{ field: "query.after", message: "Not a cursor the change feed issued" }]);
    }
  });
});

describe("the live stream", () => {
  async function readEvents(headers: Record<string, string>, count: number): Promise<{ id: string; data: Change }[]> {
    const controller = new AbortController();
    const address = testApp.app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const response = await fetch(`http://127.0.0.1:${port}/v1/changes/stream`, { headers, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events: { id: string; data: Change }[] = [];
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = response.body!.getReader();
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) !== -1 && events.length < count) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id && data) events.push({ id, data: JSON.parse(data) });
      }
    }
    controller.abort();
    return events;
  }

  it("sends every change as an event and resumes after Last-Event-ID without a gap", async () => {
    if (!testApp.app.server.listening) await new Promise<void>((resolve) => testApp.app.server.listen(0, "127.0.0.1", resolve));
    const feed: Change[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = (await testApp.http().get("/v1/changes").query({ limit: 1000, ...(cursor ? { after: cursor } : {}) }).expect(200)).body;
      feed.push(...page.data);
      cursor = page.page.nextCursor;
      if (page.data.length < 1000) break;
    }
    const first = await readEvents({}, 10);
    expect(first.map((event) => `${event.data.resource}/${event.data.id}@${event.data.version}`))
      .toEqual(feed.slice(0, 10).map((change) => `${change.resource}/${change.id}@${change.version}`));
    const resumed = await readEvents({ "last-event-id": first[4]!.id }, 5);
    expect(resumed.map((event) => event.id)).toEqual(first.slice(5, 10).map((event) => event.id));
    const bad = await testApp.http().get("/v1/changes/stream").set("last-event-id", "nope").expect(400);
    expect(bad.body.errors[0].field).toBe("headers.last-event-id");
  });
});
