import { isIPv6 } from "node:net";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.ts";
import { Problem } from "../lib/problem.ts";

// Probes and the docs page are not API traffic: a load balancer or a reader of the docs is never refused.
const EXEMPT = /^\/(health|ready|docs)(\/|\?|$)/;
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type Limits = Pick<Config, "rateLimitMax" | "rateLimitWriteMax" | "rateLimitWindowMs">;

const isWrite = (request: FastifyRequest) => !READ_METHODS.has(request.method);

/**
 * Who a request counts against: its API key, by the key's id (never the secret), else its IP address;
 * reads and writes have counters of their own. The key is known here: plugins/auth.ts sets it in a
 * global onRequest hook, and the limiter runs in a route-level one, after every global hook.
 */
export function rateLimitKey(request: Pick<FastifyRequest, "apiKey" | "ip" | "method">): string {
  const client = request.apiKey ? `key:${request.apiKey.id}` : `ip:${addressBlock(request.ip)}`;
  return `${client}:${isWrite(request as FastifyRequest) ? "write" : "read"}`;
}

/**
 * An IPv4 address as it is; an IPv6 address by its /64, the block one subscriber gets (one address
 * each would give a client 2^64 allowances). IPv4 mapped into IPv6 is IPv4.
 */
export function addressBlock(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = ip.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * Requests per client per window, answered with 429 problem+json, `Retry-After`, and the IETF
 * `RateLimit-Limit`/`-Remaining`/`-Reset` headers (draft 7) on every limited response. Counters live
 * in this instance's memory: behind a load balancer, a client gets up to this limit at each instance.
 * A limit of 0 turns that limit off. Register it after auth and before the routes it limits.
 */
export const rateLimitPlugin = fp<{ limits: Limits }>(async (app: FastifyInstance, { limits }) => {
  if (limits.rateLimitMax === 0 && limits.rateLimitWriteMax === 0) return;
  const maxFor = (request: FastifyRequest) => (isWrite(request) ? limits.rateLimitWriteMax : limits.rateLimitMax);
  await app.register(rateLimit, {
    global: true,
    enableDraftSpec: true,
    timeWindow: limits.rateLimitWindowMs,
    max: (request) => maxFor(request),
    keyGenerator: rateLimitKey,
    allowList: (request) => EXEMPT.test(request.url) || maxFor(request) === 0,
    errorResponseBuilder: (request, context) => {
      const who = request.apiKey ? "this API key" : "this IP address";
      const kind = isWrite(request) ? "writes" : "requests";
      return new Problem(429, "Too Many Requests", `More than ${context.max} ${kind} from ${who} in ${limits.rateLimitWindowMs / 1000} s; retry in ${context.after}.`);
    },
  });
}, { name: "warfacts-rate-limit" });
