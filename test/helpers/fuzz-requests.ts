import fc from "fast-check";

// Requests for the fuzzer (test/helpers/fuzz.ts), built from each operation of the OpenAPI document:
// its path and query parameters and its body schema, with valid values (real ids, excerpts and
// cursors read from the seed) and invalid ones (NUL bytes, lone surrogates, huge and non-decimal
// integers, foreign and crafted cursors, repeated and unknown parameters, malformed bodies).

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, Schema>>;
  components?: { schemas?: Record<string, Schema>; responses?: Record<string, Schema> };
}

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: Schema;
}

export interface Operation {
  id: string;
  method: string;
  template: string;
  parameters: Parameter[];
  body?: Schema;
  /** status -> media type -> schema (undefined: documented without one). */
  responses: Record<string, Record<string, Schema | undefined>>;
  needsKey: boolean;
}

/** One request as it goes on the wire: `path` holds raw bytes (latin1), so bad encodings reach the server unchanged. */
export interface FuzzRequest {
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The body's characters are bytes (latin1), to send invalid UTF-8. */
  rawBody?: boolean;
  /** What the generator did, for the failure report. */
  notes: string[];
}


// The change feed's stream never ends by design: reading it whole is not a request a fuzzer can finish.
const UNFINISHED_BY_DESIGN = new Set(["streamChanges"]);

export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method) || UNFINISHED_BY_DESIGN.has(operation.operationId)) continue;
      const responses: Operation["responses"] = {};
      for (const [status, reference] of Object.entries<Schema>(operation.responses ?? {})) {
        // Problems are shared responses: `#/components/responses/…`.
        const response = typeof reference.$ref === "string" ? document.components?.responses?.[reference.$ref.split("/").pop()!] ?? {} : reference;
        responses[status] = Object.fromEntries(Object.entries<Schema>(response.content ?? {}).map(([type, media]) => [type, media.schema]));
      }
      operations.push({
        id: operation.operationId,
        method: method.toUpperCase(),
        template,
        parameters: (operation.parameters ?? []).map((parameter: Schema) => ({
          name: parameter.name,
          in: parameter.in,
          required: parameter.required === true,
          schema: parameter.schema ?? {},
        })),
        body: operation.requestBody?.content?.["application/json"]?.schema,
        responses,
        needsKey: Array.isArray(operation.security) && operation.security.length > 0,
      });
    }
  }
  return operations;
}

// ---------------------------------------------------------------------------------------------------
// What the generator knows of the data: real ids, excerpts and cursors, so that valid requests find things.

export interface Pools {
  ids: Record<string, string[]>;
  excerpts: string[];
  words: string[];
  /** list path (without query) -> a real nextCursor it issued */
  cursors: Record<string, string>;
  bearers: { all: string; write: string };
}

export type Getter = (path: string) => Promise<{ status: number; body: any }>;

const COLLECTIONS = ["actors", "statements", "sanctions", "attack-events", "sources"];

/** Reads the seed through the API: every id, some excerpts, and a cursor from each list. */
export async function collectPools(get: Getter, bearers: Pools["bearers"]): Promise<Pools> {
  const ids: Record<string, string[]> = {};
  const excerpts = new Set<string>();
  const claimIds = new Set<string>();
  for (const collection of COLLECTIONS) {
    const { body } = await get(`/v1/${collection}?limit=100`);
    ids[collection] = (body.data as { id: string }[]).map((item) => item.id);
    for (const id of ids[collection]!.slice(0, 3)) {
      const detail = await get(`/v1/${collection}/${encodeURIComponent(id)}`);
      walk(detail.body, (key, value, parentKey) => {
        if (key === "excerpt" && typeof value === "string") excerpts.add(value);
        if (key === "id" && typeof value === "number" && parentKey === "claims") claimIds.add(String(value));
      });
    }
  }
  ids.claims = [...claimIds, "1", "2", "3"];
  ids.evidence = ["1", "2", "5", "40"];
  ids["api-keys"] = ["aaaaaaaaaaaa"];
  ids.webhooks = ["whk_0000000000"];
  const cursors: Record<string, string> = {};
  const lists = [...COLLECTIONS.map((name) => `/v1/${name}`), "/v1/actors/iran/timeline", "/v1/search?q=iran", "/v1/changes", "/v1/actors/iran/revisions"];
  for (const list of lists) {
    const { status, body } = await get(`${list}${list.includes("?") ? "&" : "?"}limit=1`);
    if (status === 200 && typeof body?.page?.nextCursor === "string") cursors[list.split("?")[0]!] = body.page.nextCursor;
  }
  const words = [...new Set([...excerpts].flatMap((text) => text.split(/\s+/)).filter((word) => /^[A-Za-z]{4,}$/.test(word)))].slice(0, 60);
  return { ids, excerpts: [...excerpts].slice(0, 40), words, cursors, bearers };
}

function walk(value: unknown, visit: (key: string, value: unknown, parentKey: string) => void, parentKey = "") {
  if (Array.isArray(value)) for (const element of value) walk(element, visit, parentKey);
  else if (value !== null && typeof value === "object") {
    for (const [key, element] of Object.entries(value)) {
      visit(key, element, parentKey);
      walk(element, visit, key);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Values. Every value is a raw query or path fragment: already percent-encoded, or deliberately not.

/** Percent-encodes as WTF-8: a lone surrogate becomes %ED%A0%80 instead of encodeURIComponent's URIError. */
export function percentEncode(text: string): string {
  let out = "";
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    let codePoint = code;
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      codePoint = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
      index++;
    }
    const char = String.fromCodePoint(codePoint);
    if (/^[A-Za-z0-9\-._~]$/.test(char)) out += char;
    else out += [...utf8Bytes(codePoint)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`).join("");
  }
  return out;
}

function utf8Bytes(codePoint: number): number[] {
  if (codePoint < 0x80) return [codePoint];
  if (codePoint < 0x800) return [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 63)];
  if (codePoint < 0x10000) return [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 63), 0x80 | (codePoint & 63)];
  return [0xf0 | (codePoint >> 18), 0x80 | ((codePoint >> 12) & 63), 0x80 | ((codePoint >> 6) & 63), 0x80 | (codePoint & 63)];
}

const base64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Raw fragments that are wrong in ways a parser can trip on, already as they go on the wire. */
const NASTY_FRAGMENTS = [
  "%00", "a%00b", "%ED%A0%80", "a%ED%B0%80b", "%F0%9F%98", "%C0%AE", "%FF", "%E2%82", "%25", "%2F..%2F", "%0D%0Aset-cookie:x", "%20",
  "2147483648", "2147483647", "9007199254740992", "9007199254740993", "99999999999999999999", "-1", "-0", "0", "1e1", "0x10", "0b11",
  "0o7", "1.5", "1_000", "+5", "%205", "Infinity", "NaN", "null", "true", "[]", "%7B%7D", "%5B%22a%22%5D",
  "2022-02-30", "9999-99-99", "2022-12-10T25:00:00Z", "0000-01-01", "275760-09-13", "2022-12-10T00:00:00%2B99:00",
  "%E2%80%AE", "%F0%9F%92%A5", "%EF%BB%BF", "%3Cscript%3E", "'%20OR%201%3D1--", "%22", "%5C", "a,b,,c", ",",
  "", "x".repeat(300), "y".repeat(2100), "%41".repeat(400),
];
/**
 * Bytes above 0x7f sent raw, not percent-encoded: the lone surrogate ED A0 80 and a stray FF. Node's
 * HTTP parser refuses them before Fastify routes; off unless asked for (FUZZ_FRAMEWORK=1) while the
 * answer to HEAD carries a body (see the issue 9 report).
 */
const RAW_BYTES = ["\xED\xA0\x80", "a\xFFb", "\xC3\xA9"];
// Bad escapes: Fastify's path decoding refuses them, the query parser tolerates them.
const BAD_ESCAPES = ["%ZZ", "%", "%G1", "a%2"];

/** A real cursor of `list`, another list's, or one crafted to look like ours. */
function cursorArbitrary(pools: Pools, list: string | undefined): fc.Arbitrary<string> {
  const own = list ? pools.cursors[list] : undefined;
  const foreign = Object.entries(pools.cursors).filter(([issuer]) => issuer !== list).map(([, cursor]) => cursor);
  const crafted = fc.oneof(
    fc.constantFrom(
      base64url(["9999-99-99", "a"]), base64url(["st:said", "2022-12-10", "a\u0000b"]), base64url(["st:said", "2022-12-10", "\ud800"]),
      base64url([null, "a"]), base64url({ key: "2022-12-10", id: "a" }), base64url("[1e999,\"a\"]"), base64url("[[[[[[[[[[]]]]]]]]]]"),
      base64url(["act:name", "x".repeat(5000), "a"]), "garbage", "0", "eyJ", "%00", "AAAA====", base64url(["st:said", 20221210, "x"]),
    ),
    fc.tuple(fc.constantFrom("st:said", "act:name", "ae:occurred", "q:rank", "tl:date", "src:published", "sa:announced", "x"),
      fc.oneof(fc.constant(null), fc.string({ maxLength: 12 }), fc.integer()), fc.string({ maxLength: 12, unit: "binary" }))
      .map((parts) => base64url(parts)),
  );
  return fc.oneof(
    ...(own ? [{ arbitrary: fc.constant(own), weight: 3 }] : []),
    ...(foreign.length > 0 ? [{ arbitrary: fc.constantFrom(...foreign), weight: 2 }] : []),
    { arbitrary: crafted, weight: 3 },
  ).map((cursor) => (/^[A-Za-z0-9_-]*$/.test(cursor) ? cursor : percentEncode(cursor)));
}

const DATE_VALUES = ["2022-12-10", "2022-12-09", "2022-01-01", "2023-06-30", "2020-02-29", "1900-01-01", "2099-12-31"];
const DATE_TIME_VALUES = ["2022-12-10T00:00:00Z", "2022-12-10T12:30:00+02:00", "2022-12-10T23:59:59.999Z", "2026-01-01T00:00:00Z"];

/** A valid fragment for a parameter's schema, using real ids where the name asks for one. */
function validFragment(schema: Schema, name: string, pools: Pools, document: OpenApiDocument, list: string | undefined, ownCursor = false): fc.Arbitrary<string> {
  const resolved = deref(schema, document);
  if (name === "cursor") return ownCursor && list && pools.cursors[list] ? fc.constant(pools.cursors[list]) : cursorArbitrary(pools, list);
  if (resolved.enum) return fc.constantFrom(...(resolved.enum as Json[]).map((value) => percentEncode(String(value))));
  const choices = resolved.anyOf ?? resolved.oneOf;
  if (choices) return fc.oneof(...(choices as Schema[]).map((choice) => validFragment(choice, name, pools, document, list)));
  if (resolved.type === "integer" || resolved.type === "number") {
    const min = Math.max(resolved.minimum ?? -1000, -1_000_000);
    const max = Math.min(resolved.maximum ?? 1000, 1_000_000);
    return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)).map(String);
  }
  if (resolved.type === "boolean") return fc.constantFrom("true", "false");
  if (resolved.format === "date" || /date/i.test(resolved.pattern ?? "") && !/T/.test(resolved.pattern ?? "")) return fc.constantFrom(...DATE_VALUES);
  if (resolved.format === "date-time") return fc.constantFrom(...DATE_TIME_VALUES).map(percentEncode);
  return textFragment(name, pools);
}

/** Free text for a parameter: ids of the collection its name suggests, words, names, or arbitrary Unicode. */
function textFragment(name: string, pools: Pools): fc.Arbitrary<string> {
  const known = [...(pools.ids.actors ?? []), "iran", "Russia", "Kirby", "drone", "Shahed-136", "Odesa"];
  const byName: Record<string, string[]> = {
    source: pools.ids.sources ?? [],
    respondsTo: pools.ids.statements ?? [],
    q: [...pools.words, "iran drones", "\"main military\"", "-iran", "iran or russia", "&|!:*", "'"],
  };
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(byName[name] ?? known)), weight: 4 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" }), weight: 1 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: "binary" }), weight: 1 },
  ).map(percentEncode);
}

/** A fragment that the parameter should refuse, or at least survive. */
function nastyFragment(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...NASTY_FRAGMENTS), weight: 6 },
    // PostgreSQL's own refusal (text cannot hold U+0000) is the classic 500: NUL gets a share of its own.
    { arbitrary: fc.constantFrom("%00", "a%00b", "iran%00", "%00%00", "2022-12-10%00"), weight: 2 },
    { arbitrary: fc.constantFrom(...BAD_ESCAPES), weight: 1 },
    { arbitrary: fc.string({ maxLength: 12, unit: "binary" }).map(percentEncode), weight: 2 },
    { arbitrary: fc.constantFrom("\ud800", "a\udc00", "\u0000", "\ufffe", "\u202e").map(percentEncode), weight: 2 },
  );
}

// ---------------------------------------------------------------------------------------------------
// Requests.

export const ACCEPT_VALUES = [
  undefined, "application/json", "application/problem+json", "text/csv", "application/x-ndjson", "application/geo+json",
  "application/xml", "*/*", "text/*", "application/*", "text/html,application/xhtml+xml,*/*;q=0.8", "garbage", "application/json;q=0",
  "text/csv;q=0.5, application/geo+json", ";;;,,,", "*/*;q=abc",
];
const ENCODINGS = [undefined, "gzip", "br", "gzip, br", "deflate", "gzip;q=0, br;q=1", "identity", "*", "zstd"];
const FORMATS = ["json", "csv", "ndjson", "geojson", "xml", "", "JSON"];

interface GeneratorOptions {
  /** Also send raw bytes above 0x7f in paths, which Node's HTTP parser answers before Fastify. */
  frameworkInput: boolean;
}

/** Every request the fuzzer may send for `operation`. */
export function requestArbitrary(operation: Operation, pools: Pools, document: OpenApiDocument, options: GeneratorOptions): fc.Arbitrary<FuzzRequest> {
  // An export path (`/v1/statements.csv`) reads its list's cursors.
  const list = operation.method === "GET" ? operation.template.replace("{id}", "iran").replace(/\.(csv|ndjson|geojson)$/, "") : undefined;
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === "path");
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === "query");
  const path = fc.tuple(...pathParameters.map((parameter) => pathFragment(operation.template, parameter, pools, options)))
    .map((values) => pathParameters.reduce((built, parameter, index) => built.replace(`{${parameter.name}}`, values[index]!), operation.template as string));
  // Half the requests are well-formed (few parameters, each valid, a list's own cursor), so that the
  // success paths and their response schemas are exercised; the other half is fuzzed.
  const wellFormed = fc.tuple(
    ...queryParameters
      .filter((parameter) => parameter.name !== "cursor" || (list !== undefined && list in pools.cursors))
      .map((parameter) =>
        present(validFragment(parameter.schema, parameter.name, pools, document, list, true), parameter.required ? 1 : 0.15)
          .map((value) => (value === null ? [] : [`${parameter.name}=${value}`]))),
  ).map((pairs) => pairs.flat());
  const fuzzed = fc.tuple(
    ...queryParameters.map((parameter) =>
      present(
        fc.oneof(
          { arbitrary: validFragment(parameter.schema, parameter.name, pools, document, list).map((value) => [value]), weight: 12 },
          { arbitrary: fc.array(validFragment(parameter.schema, parameter.name, pools, document, list), { minLength: 2, maxLength: 3 }), weight: 1 },
          { arbitrary: nastyFragment().map((value) => [value]), weight: 1 },
        ),
        parameter.required ? 0.9 : 0.35,
      ).map((values) => (values ?? []).map((value) => `${parameter.name}=${value}`)),
    ),
  ).map((pairs) => pairs.flat());
  const extras = rarely(fc.array(
    fc.oneof(
      fc.constantFrom("unknown=1", "LIMIT=5", "limit[]=5", "a=%00", "__proto__=1", "constructor=x", "=", "&&", "format=csv", "format=geojson"),
      fc.constantFrom(...FORMATS).map((format) => `format=${format}`),
      fc.string({ minLength: 1, maxLength: 10, unit: "grapheme" }).map((name) => `${percentEncode(name)}=1`),
    ),
    { minLength: 1, maxLength: 2 },
  ), 5);
  const many = rarely(fc.constant(Array.from({ length: 300 }, (_, index) => `p${index}=1`)), 40);
  const query = fc.oneof(wellFormed, fc.tuple(fuzzed, extras, many).map(([pairs, extra, more]) => [...pairs, ...(extra ?? []), ...(more ?? [])]));
  const headers = fc.record({
    accept: fc.oneof({ arbitrary: fc.constantFrom(undefined, "application/json", "*/*"), weight: 3 }, { arbitrary: fc.constantFrom(...ACCEPT_VALUES), weight: 2 }),
    acceptEncoding: fc.constantFrom(...ENCODINGS),
    key: fc.constantFrom<"all" | "write" | "none" | "bad">(...(operation.needsKey ? (["all", "all", "all", "write", "none", "bad"] as const) : (["none", "none", "all"] as const))),
    ifMatch: rarely(fc.constantFrom("*", "\"nope\"", "W/\"x\"", "garbage"), 4),
    idempotencyKey: rarely(fc.string({ minLength: 1, maxLength: 12, unit: "grapheme-ascii" }), 3),
    requestId: rarely(fc.constantFrom("fuzz-1", "x".repeat(200), "a b", "<>"), 6),
    head: fc.integer({ min: 1, max: 5 }).map((roll) => roll === 1 && operation.method === "GET"),
  });
  const body = operation.body ? bodyArbitrary(operation.body, pools, document) : fc.constant(undefined);
  return fc.record({ path, query, headers, body }).map(({ path, query: pairs, headers, body }) => {
    const built: FuzzRequest = {
      operation: operation.id,
      method: headers.head ? "HEAD" : operation.method,
      path: pairs.length > 0 ? `${path}?${pairs.join("&")}` : path,
      headers: requestHeaders(headers, operation, pools),
      notes: [],
    };
    if (body) {
      built.body = body.text;
      built.notes.push(body.note);
      if (body.raw) built.rawBody = true;
      if (body.contentType) built.headers["content-type"] = body.contentType;
    }
    return built;
  });
}

/** `arbitrary` with this probability, null otherwise. */
function present<T>(arbitrary: fc.Arbitrary<T>, probability: number): fc.Arbitrary<T | null> {
  const weight = Math.round(probability * 1000);
  return fc.oneof({ arbitrary: fc.constant(null), weight: 1000 - weight }, { arbitrary, weight });
}

/** `arbitrary` once in `oneIn` times, null otherwise. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary, weight: 1 });
}

function requestHeaders(
  given: { accept?: string; acceptEncoding?: string; key: "all" | "write" | "none" | "bad"; ifMatch: string | null; idempotencyKey: string | null; requestId: string | null },
  operation: Operation,
  pools: Pools,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (given.accept !== undefined) headers.accept = given.accept;
  if (given.acceptEncoding !== undefined) headers["accept-encoding"] = given.acceptEncoding;
  if (given.key === "all") headers.authorization = pools.bearers.all;
  if (given.key === "write") headers.authorization = pools.bearers.write;
  if (given.key === "bad") headers.authorization = "Bearer wf_aaaaaaaaaaaa_not-a-real-key";
  if (given.ifMatch !== null && ["PATCH", "DELETE"].includes(operation.method)) headers["if-match"] = given.ifMatch;
  if (given.idempotencyKey !== null && operation.method === "POST") headers["idempotency-key"] = given.idempotencyKey;
  if (given.requestId !== null) headers["x-request-id"] = given.requestId;
  return headers;
}

function pathFragment(template: string, parameter: Parameter, pools: Pools, options: GeneratorOptions): fc.Arbitrary<string> {
  const collection = template.split("/")[2] ?? "";
  const known = pools.ids[collection] ?? [];
  return fc.oneof(
    ...(known.length > 0 ? [{ arbitrary: fc.constantFrom(...known).map(percentEncode), weight: 8 }] : []),
    { arbitrary: fc.constantFrom(...NASTY_FRAGMENTS.filter((fragment) => fragment !== "" && !fragment.includes("%2F"))), weight: 3 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 12, unit: "binary" }).map(percentEncode), weight: 1 },
    { arbitrary: fc.constantFrom(...BAD_ESCAPES), weight: 1 },
    ...(options.frameworkInput ? [{ arbitrary: fc.constantFrom(...RAW_BYTES), weight: 1 }] : []),
  );
}

// ---------------------------------------------------------------------------------------------------
// Bodies: an instance of the schema, often with one thing wrong.

interface GeneratedBody {
  text: string;
  note: string;
  contentType?: string;
  raw?: boolean;
}

const NASTY_JSON: Json[] = [
  "a\u0000b", "\ud800", "x\udfff", "", " ", "x".repeat(6000), 2147483648, 9007199254740993, -1, 1e308, 0.5, -0, null, true, [], {},
  "2022-02-30", "9999-99-99", "../../etc", "<b>", "\u202e",
];

function bodyArbitrary(schema: Schema, pools: Pools, document: OpenApiDocument): fc.Arbitrary<GeneratedBody> {
  const instance = instanceArbitrary(schema, pools, document, "", 0);
  return fc.oneof(
    { arbitrary: instance.map((value) => ({ text: JSON.stringify(value), note: "body: an instance of the schema", contentType: "application/json" })), weight: 4 },
    {
      arbitrary: fc.tuple(instance, fc.nat(), fc.constantFrom(...NASTY_JSON)).map(([value, index, nasty]) => ({
        text: JSON.stringify(replaceLeaf(value, index, nasty)),
        note: `body: leaf ${index} replaced by ${JSON.stringify(nasty).slice(0, 40)}`,
        contentType: "application/json",
      })),
      weight: 4,
    },
    {
      arbitrary: instance.map((value) => ({ text: JSON.stringify(withUnknownKey(value)), note: "body: an unknown key", contentType: "application/json" })),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom(
        { text: "{", note: "body: truncated JSON" },
        { text: "{\"id\":\"a\",\"id\":\"b\"}", note: "body: duplicate key" },
        { text: "null", note: "body: null" },
        { text: "[]", note: "body: an array" },
        { text: "\"x\"", note: "body: a string" },
        { text: "{\"__proto__\":{\"admin\":true}}", note: "body: __proto__" },
        { text: "{\"text\":\"\xED\xA0\x80\"}", note: "body: raw surrogate bytes", raw: true },
        { text: `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`, note: "body: deep nesting" },
        { text: "", note: "body: empty" },
      ).map((body) => ({ ...body, contentType: "application/json" })),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(instance, fc.constantFrom(undefined, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "multipart/form-data"))
        .map(([value, contentType]) => ({ text: JSON.stringify(value), note: `body: content-type ${contentType}`, contentType })),
      weight: 1,
    },
  );
}

/** A value of `schema`: real ids and excerpts where the property's name asks for them, so writes can succeed. */
function instanceArbitrary(schema: Schema, pools: Pools, document: OpenApiDocument, name: string, depth: number): fc.Arbitrary<Json> {
  const resolved = deref(schema, document);
  if (resolved.const !== undefined) return fc.constant(resolved.const as Json);
  if (resolved.enum) return fc.constantFrom(...(resolved.enum as Json[]));
  const choices = resolved.anyOf ?? resolved.oneOf;
  if (choices) return fc.oneof(...(choices as Schema[]).map((choice) => instanceArbitrary(choice, pools, document, name, depth)));
  const type = Array.isArray(resolved.type) ? resolved.type[0] : resolved.type;
  switch (type) {
    case "object": {
      const properties = (resolved.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>(resolved.required ?? []);
      // Deep optional parts are left out: the bundle schema is large and the fuzzer needs breadth.
      const keys = Object.keys(properties).filter((key) => required.has(key) || depth < 3);
      const record: Record<string, fc.Arbitrary<Json>> = {};
      for (const key of keys) record[key] = instanceArbitrary(properties[key]!, pools, document, key, depth + 1);
      return fc.record(record, { requiredKeys: keys.filter((key) => required.has(key)) }).map(orderedRange) as fc.Arbitrary<Json>;
    }
    case "array": {
      const minLength = resolved.minItems ?? 0;
      const maxLength = Math.min(resolved.maxItems ?? 2, Math.max(minLength, depth > 2 ? 1 : 2));
      return fc.array(instanceArbitrary(resolved.items ?? {}, pools, document, name, depth + 1), { minLength, maxLength });
    }
    case "integer": {
      const min = Math.max(resolved.minimum ?? 0, -1_000_000);
      const max = Math.min(resolved.maximum ?? 1000, 1_000_000);
      return fc.integer({ min, max: Math.max(min, max) });
    }
    case "number":
      return fc.double({ min: resolved.minimum ?? -1000, max: resolved.maximum ?? 1000, noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "string":
      return stringInstance(resolved, name, pools);
    default:
      return fc.constant(null);
  }
}

function stringInstance(schema: Schema, name: string, pools: Pools): fc.Arbitrary<Json> {
  if (schema.format === "date" || name === "date") return fc.constantFrom(...DATE_VALUES);
  if (schema.format === "date-time") return fc.constantFrom(...DATE_TIME_VALUES);
  if (schema.format === "uri" || name === "url") return fc.constantFrom("https://partner.example/hook", "http://127.0.0.1:9/x", "ftp://x", "not a url");
  const actors = pools.ids.actors ?? ["iran"];
  const byName: Record<string, readonly string[]> = {
    sourceId: pools.ids.sources ?? [],
    speakerId: actors,
    reportedBy: actors,
    actorId: actors,
    duplicateId: actors,
    about: actors,
    respondsTo: pools.ids.statements ?? [],
    evidence: pools.excerpts,
    text: pools.excerpts,
    excerpt: pools.excerpts,
  };
  // A pattern of its own (a Wikidata id) says more than the name; the generic id pattern does not.
  if (schema.pattern && !String(schema.pattern).startsWith("^[^\\s")) return matching(schema.pattern, schema.maxLength ?? 300);
  // Any other `…Id` but a new fact's own names an actor (countryId, parentId, authorityId, organisationId).
  const pool = byName[name] ?? (name.endsWith("Id") ? actors : undefined);
  const known = pool?.filter((value) => value.length >= (schema.minLength ?? 0) && value.length <= (schema.maxLength ?? Infinity)) ?? [];
  const fresh = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-") }).map((suffix) => `fz-${suffix}`);
  const free = fc.string({ minLength: Math.max(1, schema.minLength ?? 0), maxLength: Math.min(schema.maxLength ?? 30, 30), unit: "grapheme" });
  return fc.oneof(
    ...(known.length > 0 ? [{ arbitrary: fc.constantFrom(...known), weight: 6 }] : []),
    { arbitrary: name === "id" || name.endsWith("Id") ? fresh : free, weight: 2 },
    { arbitrary: fresh, weight: 1 },
  );
}

/** A reported number's `low` ≤ `value` ≤ `high`, which the schemas check beyond what JSON Schema says. */
function orderedRange(object: Record<string, unknown>): Record<string, unknown> {
  const keys = ["low", "value", "high"].filter((key) => typeof object[key] === "number");
  if (keys.length < 2) return object;
  const sorted = keys.map((key) => object[key] as number).sort((a, b) => a - b);
  return { ...object, ...Object.fromEntries(keys.map((key, index) => [key, sorted[index]])) };
}

/** Strings that the schema's pattern accepts (a Wikidata id, a date), within its length. */
function matching(pattern: string, maxLength: number): fc.Arbitrary<string> {
  return fc.stringMatching(new RegExp(pattern, "u"), { size: "xsmall" }).filter((value) => value.length >= 1 && value.length <= maxLength);
}

function replaceLeaf(value: Json, target: number, replacement: Json): Json {
  let count = 0;
  const leaves = countLeaves(value);
  const chosen = leaves === 0 ? 0 : target % leaves;
  const visit = (current: Json): Json => {
    if (Array.isArray(current)) return current.map(visit);
    if (current !== null && typeof current === "object") return Object.fromEntries(Object.entries(current).map(([key, element]) => [key, visit(element)]));
    return count++ === chosen ? replacement : current;
  };
  return leaves === 0 ? replacement : visit(value);
}

function countLeaves(value: Json): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, element) => sum + countLeaves(element), 0);
  if (value !== null && typeof value === "object") return Object.values(value).reduce<number>((sum, element) => sum + countLeaves(element), 0);
  return 1;
}

function withUnknownKey(value: Json): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? { ...value, fuzzUnknown: "\u0000" } : value;
}

export function deref(schema: Schema, document: OpenApiDocument): Schema {
  let current = schema;
  for (let hops = 0; typeof current?.$ref === "string" && hops < 10; hops++) {
    const name = current.$ref.replace("#/components/schemas/", "");
    current = document.components?.schemas?.[name] ?? {};
  }
  return current ?? {};
}
