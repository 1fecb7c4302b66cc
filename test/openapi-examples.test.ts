import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { OpenApiExamples } from "../src/plugins/openapi-conventions.ts";
import { createKey } from "./helpers/keys.ts";
import { EXAMPLE_REQUESTS, exampleContext } from "./helpers/openapi-example-requests.ts";
import { startTestApp, type TestApp } from "./helpers/test-app.ts";

// The document's examples are what the service answers on the seed data: each validates against its
// schema, and replaying its request on a freshly seeded app gives the same answer, but for the
// timestamps of the seeding. When an answer changes on purpose: `npm run openapi:examples && npm run openapi`.

type Json = Record<string, unknown>;
const document = parse(readFileSync(new URL("../openapi.yaml", import.meta.url), "utf8")) as Json & {
  paths: Record<string, Record<string, Json & { operationId: string; responses: Record<string, Json> }>>;
  components: { examples: Record<string, { value: unknown }>; responses: Record<string, Json> };
};
const recorded = JSON.parse(readFileSync(new URL("../src/openapi-examples.json", import.meta.url), "utf8")) as OpenApiExamples;

const resolve = <T>(node: T | { $ref: string }): T => {
  if (node && typeof node === "object" && "$ref" in node) {
    return node.$ref.slice(2).split("/").reduce<unknown>((at, key) => (at as Json)[key], document) as T;
  }
  return node as T;
};

interface ExampleUse {
  where: string;
  status: string;
  mediaType: string;
  schema: Json;
  value: unknown;
}

/** Every example the document attaches to a response, with the schema it must satisfy. */
function examplesInDocument(): ExampleUse[] {
  const uses: ExampleUse[] = [];
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(pathItem)) {
      for (const [status, reference] of Object.entries(operation.responses)) {
        const response = resolve(reference) as { content?: Record<string, { schema: Json; examples?: Record<string, Json> }> };
        for (const [mediaType, content] of Object.entries(response.content ?? {})) {
          for (const example of Object.values(content.examples ?? {})) {
            uses.push({ where: `${method.toUpperCase()} ${path} ${status} ${mediaType}`, status, mediaType, schema: content.schema, value: resolve(example as { value: unknown }).value });
          }
        }
      }
    }
  }
  return uses;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
// Schemas refer to `#/components/schemas/…` of the document: give them the document to resolve in.
ajv.addSchema({ $id: "openapi.json", components: document.components });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
/** A validator of a schema of the document (compiled once: many examples share a schema). */
function validatorOf(schema: Json) {
  const key = JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/');
  if (!validators.has(key)) validators.set(key, ajv.compile(JSON.parse(key) as Json));
  return validators.get(key)!;
}

describe("the OpenAPI document's examples", () => {
  const uses = examplesInDocument();

  it("are on every operation's success response, in every media type but an event stream's, and on every problem", () => {
    const missing: string[] = [];
    for (const [path, pathItem] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(pathItem)) {
        for (const [status, reference] of Object.entries(operation.responses)) {
          const response = resolve(reference) as { content?: Record<string, { examples?: unknown }> };
          for (const [mediaType, content] of Object.entries(response.content ?? {})) {
            if (mediaType !== "text/event-stream" && !content.examples) missing.push(`${method.toUpperCase()} ${path} ${status} ${mediaType}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
    expect(uses.length).toBeGreaterThan(100);
  });

  it("each match the schema they illustrate", () => {
    const invalid = uses.flatMap((use) => {
      // CSV and NDJSON are text: their schema is a string, their example the text itself.
      const validate = validatorOf(use.schema);
      return validate(use.value) ? [] : [`${use.where}: ${ajv.errorsText(validate.errors, { separator: "; " })}`];
    });
    expect(invalid).toEqual([]);
  });

  it("give each problem its real status, never zod's integer bounds", () => {
    const problems = uses.filter((use) => use.mediaType === "application/problem+json");
    expect(problems.length).toBeGreaterThan(500);
    for (const use of problems) expect((use.value as { status: number }).status, use.where).toBe(Number(use.status));
    const schema = JSON.stringify(document);
    expect(schema).not.toContain(String(Number.MAX_SAFE_INTEGER));
    expect(schema).not.toContain(String(Number.MIN_SAFE_INTEGER));
  });
});

describe("the recorded examples replayed on a freshly seeded app", () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await startTestApp();
  });
  afterAll(() => testApp?.close());

  // The seed's times are those of the run that made the database: they are the only difference allowed.
  const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g;
  const withoutTimes = (value: unknown) => JSON.stringify(value).replace(ISO_TIME, "<time>");

  it("answer as the document says, in order (reads, writes, then the problems they cause)", { timeout: 120_000 }, async () => {
    const bearer = { admin: (await createKey(testApp, ["admin", "write"])).bearer, write: (await createKey(testApp, ["write"])).bearer };
    const requests = EXAMPLE_REQUESTS(exampleContext());
    const answered: Record<string, { id: string }> = {};
    let compared = 0;
    for (const request of requests) {
      const url = typeof request.url === "string" ? request.url : request.url(answered);
      const method = (request.method ?? "GET").toLowerCase() as "get" | "post" | "put" | "patch" | "delete";
      let call = testApp.http()[method](url);
      for (const [name, value] of Object.entries(request.headers ?? {})) call = call.set(name, value);
      if (request.auth) call = call.set("authorization", bearer[request.auth]);
      const response = await (request.body === undefined ? call : call.send(request.body as string | object));
      const name = `${request.method ?? "GET"} ${url}`;
      expect(response.status, `${name}: ${response.text.slice(0, 300)}`).toBe(request.status);
      const body = request.exportAs && request.exportAs !== "application/geo+json" ? response.text : response.text === "" ? null : JSON.parse(response.text);
      if (request.operationId && !request.exportAs) answered[request.operationId] = body;

      const example = request.operationId
        ? recorded.operations[request.operationId]
        : request.status >= 400 ? recorded.problems[String(request.status)] : undefined;
      if (!request.operationId && request.status < 400) continue; // a step that prepares the next one
      expect(example, `${name}: no recorded example (run \`npm run openapi:examples\`)`).toBeDefined();
      if (typeof request.url === "string") expect(example!.request, name).toBe(url);
      if (request.volatile) continue;
      expect(withoutTimes(body), `${name} answers otherwise than its example`).toBe(withoutTimes(example!.body));
      compared += 1;
    }
    expect(compared).toBeGreaterThan(40);
  });
});
