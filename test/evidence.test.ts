import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { fetchAll } from "./helpers/crawl.ts";
import { createKey } from "./helpers/keys.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

interface Evidence {
  sourceId: string;
  excerpt: string;
  start: number;
  end: number;
  field: string | null;
}

const SOURCE_ID = "bbc-2022-12-10-iran-russia-main-military-backer";
const ARTICLE = readFileSync(new URL(`../prisma/seed/sources/${SOURCE_ID}.txt`, import.meta.url), "utf8");

let testApp: TestApp;
let textReader: string;
beforeAll(async () => {
  testApp = await startTestApp();
  textReader = (await createKey(testApp, ["sources:text"])).bearer;
});
afterAll(() => testApp?.close());

/** Every evidence array anywhere in a response, with the path of the fact that carries it. */
function collectEvidence(node: unknown, path: string, into: { path: string; evidence: Evidence[] }[] = []) {
  if (Array.isArray(node)) node.forEach((child, index) => collectEvidence(child, `${path}[${index}]`, into));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "evidence") into.push({ path, evidence: value as Evidence[] });
      else collectEvidence(value, `${path}.${key}`, into);
    }
  }
  return into;
}

const FACT_LISTS = ["/v1/actors", "/v1/statements", "/v1/sanctions", "/v1/attack-events"];

describe("evidence backs every fact with a verbatim excerpt of its source", () => {
  it("keeps the article's text to verify excerpts, and gives it only to a key with the sources:text scope", async () => {
    const publicRead = await testApp.http().get(`/v1/sources/${SOURCE_ID}`).expect(200);
    expect(publicRead.body.text).toBeUndefined();
    expect(publicRead.body).toMatchObject({
      publisher: "BBC News", publishedOn: "2022-12-10", authors: ["Elsa Maishman", "Sam Hancock"],
      textSha256: createHash("sha256").update(ARTICLE, "utf8").digest("hex"),
      textLength: Array.from(ARTICLE).length,
    });
    const excerpts = publicRead.body.excerpts as { start: number; end: number; excerpt: string }[];
    expect(excerpts.length).toBeGreaterThan(50);
    for (const { start, end, excerpt } of excerpts) expect(Array.from(ARTICLE).slice(start, end).join("")).toBe(excerpt);
    // The text between the quoted passages is not republished anywhere in the answer.
    const quoted = new Set(excerpts.flatMap(({ start, end }) => Array.from({ length: end - start }, (_, index) => start + index)));
    const unquoted = Array.from(ARTICLE).map((character, index) => (quoted.has(index) ? "\n" : character)).join("")
      .split("\n").map((passage) => passage.trim()).filter((passage) => passage.length >= 12 && !publicRead.body.title.includes(passage));
    expect(unquoted.length).toBeGreaterThan(0);
    for (const passage of unquoted) expect(publicRead.text).not.toContain(passage);

    const writer = (await createKey(testApp, ["write"])).bearer;
    expect((await testApp.http().get(`/v1/sources/${SOURCE_ID}`).set("authorization", writer).expect(200)).body.text).toBeUndefined();
    const withText = await testApp.http().get(`/v1/sources/${SOURCE_ID}`).set("authorization", textReader).expect(200);
    expect(withText.body.text).toBe(ARTICLE);
    expect(withText.headers["cache-control"]).toBe("private, no-store");
  });

  it.each(FACT_LISTS)("every excerpt in %s equals the source text between its offsets", async (path) => {
    const texts = new Map<string, string[]>();
    const items = await fetchAll(testApp.http, `${path}?limit=100`);
    const found = items.flatMap((item) => collectEvidence(item, `${path}/${(item as { id: string }).id}`));
    expect(found.length).toBeGreaterThan(0);
    for (const { path: factPath, evidence } of found) {
      for (const excerpt of evidence) {
        if (!texts.has(excerpt.sourceId)) {
          const source = await testApp.http().get(`/v1/sources/${excerpt.sourceId}`).set("authorization", textReader).expect(200);
          texts.set(excerpt.sourceId, Array.from(source.body.text as string));
        }
        const codePoints = texts.get(excerpt.sourceId)!;
        expect(codePoints.slice(excerpt.start, excerpt.end).join(""), factPath).toBe(excerpt.excerpt);
        expect(excerpt.excerpt.length, factPath).toBeGreaterThan(0);
      }
    }
  });

  it.each(FACT_LISTS)("every fact in %s, and every role, description, group and impact, has an excerpt", async (path) => {
    const items = await fetchAll(testApp.http, `${path}?limit=100`);
    for (const item of items) {
      for (const { path: factPath, evidence } of collectEvidence(item, `${path}/${(item as { id: string }).id}`)) {
        // A reported number carries its own excerpts; every other evidence array backs a whole fact.
        expect(evidence.length, factPath).toBeGreaterThan(0);
      }
      const fact = item as { evidence: Evidence[] };
      expect(fact.evidence.filter((excerpt) => excerpt.field === null).length, `${path} ${JSON.stringify(item).slice(0, 80)}`).toBeGreaterThan(0);
    }
  });

  it("counts what the source backs", async () => {
    const response = await testApp.http().get("/v1/sources").expect(200);
    expect(response.body.data).toHaveLength(1);
    expect(response.body.data[0].factCounts).toEqual({
      actors: 31,
      statements: 26,
      sanctions: 2,
      attackEvents: 3,
      evidence: expect.any(Number),
    });
    expect(response.body.data[0].text).toBeUndefined();
  });
});
