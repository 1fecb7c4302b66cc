import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Problem } from "../lib/problem.ts";

// Deeper than any body the schemas describe (a bundle is about 8 levels). JSON.parse takes a body nested
// thousands deep, but whatever walks it afterwards by recursion (hashing an idempotent request,
// validating it) would overflow the stack: a 500 for bad input.
export const MAX_JSON_DEPTH = 64;

/** How deep `value` nests objects and arrays, counted without recursion; stops at `limit + 1`. */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** JSON bodies as Fastify parses them (prototype poisoning refused), and no deeper than MAX_JSON_DEPTH. */
export const jsonBodyPlugin = fp(async (app: FastifyInstance) => {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    parse(request, typeof body === "string" ? body : body.toString("utf8"), (error, value) => {
      if (error) return done(error, undefined);
      if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        const message = `Nested deeper than ${MAX_JSON_DEPTH} levels`;
        return done(new Problem(400, "Bad Request", `Invalid body: ${message}.`, [{ field: "body", message }]), undefined);
      }
      done(null, value);
    });
  });
}, { name: "warfacts-json-body" });
