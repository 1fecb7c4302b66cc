import { isIPv6 } from "node:net";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.ts";
import { Problem } from "../lib/problem.ts";
import type { AuthFailureLimit } from "./auth.ts";

// Probes and the docs page are not API traffic: a load balancer or a reader of the docs is never refused.
const EXEMPT = /^\/(health|ready|docs)(\/|\?|$)/;
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type Limits = Pick<Config, "rateLimitMax" | "rateLimitWriteMax" | "rateLimitWindowMs">;
type FailureLimits = Pick<Config, "authFailureLimitMax" | "authFailureLimitWindowMs">;

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
  const maxFor = (request: FastifyRequest) => (isWrite(request) ? limits.rateLimitWriteMax : limits.rateLimitMax);
  await app.register(rateLimit, {
    // Both limits off: no hook on the routes, but `createRateLimit` for authFailureLimit all the same.
    global: limits.rateLimitMax > 0 || limits.rateLimitWriteMax > 0,
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

/**
 * Failed API key checks per IP address (IPv6 by its /64), for plugins/auth.ts: past
 * `authFailureLimitMax` in a window, a request from there that sends any key is refused with 429
 * before its key is looked up, so that a key guessed right is refused too until the window ends.
 * Only failures count: a live key's requests never use up the allowance. Counters live in this
 * instance's memory, like the request limits'; `undefined` when the limit is off (0). Needs
 * rateLimitPlugin registered first (it brings `createRateLimit`).
 */
export function authFailureLimit(app: FastifyInstance, limits: FailureLimits): AuthFailureLimit | undefined {
  const max = limits.authFailureLimitMax;
  if (max === 0) return undefined;
  const windowSeconds = limits.authFailureLimitWindowMs / 1000;
  const failures = app.createRateLimit({
    max,
    timeWindow: limits.authFailureLimitWindowMs,
    keyGenerator: (request) => `auth-failures:${addressBlock(request.ip)}`,
    // Not the request limits' exemptions: a probe or the docs page with a key has it checked, so it counts.
    allowList: () => false,
  });
  return {
    async refuseIfBlocked(request) {
      // A peek: being checked is not a failure.
      const state = await failures(request, { increment: false });
      if (state.isAllowed || state.remaining > 0) return;
      const seconds = String(state.ttlInSeconds);
      throw new Problem(
        429,
        "Too Many Requests",
        `More than ${max} failed API key checks from this IP address in ${windowSeconds} s: requests with an API key are refused, unchecked, for ${seconds} s.`,
        [],
        { "retry-after": seconds, "ratelimit-limit": String(max), "ratelimit-remaining": "0", "ratelimit-reset": seconds },
      );
    },
    async countFailure(request) {
      const state = await failures(request);
      // Once per client and window, give or take checks in flight together; the address, never the key.
      if (!state.isAllowed && state.remaining === 0) {
        request.log.warn({ client: addressBlock(request.ip), failures: max, windowSeconds }, "too many failed API key checks: requests with a key refused until the window ends");
      }
    },
  };
}
