import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { SqlClient } from "../db/database.ts";
import { Problem, badRequest, unprocessable } from "../lib/problem.ts";
import { hookList } from "../lib/route-hooks.ts";
import { requiredScope } from "./auth.ts";

export interface IdempotencyOptions {
  sql: SqlClient;
  /** How long a repeat waits for the first request's response before a 409 (default 10 s). */
  waitMs?: number;
}

export const IDEMPOTENCY_HEADER = "idempotency-key";
const MAX_KEY_LENGTH = 255;
// A response is replayed for a day, as Stripe does; expired rows are deleted lazily.
const RETENTION = "24 hours";
// A row still in flight this long belongs to a process that died mid-request: the key is reusable.
const ABANDONED_AFTER = "5 minutes";
// A request arriving while the first one with its key is in flight waits for its response.
const DEFAULT_WAIT_MS = 10_000;
const POLL_MS = 25;
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Whether `Idempotency-Key` applies: POSTs that need a key, whose API key scopes the idempotency key,
 * unless the route opts out with `config: { idempotent: false }` (a response that must not be stored,
 * such as one carrying a secret). On a route that opted out the header is ignored.
 */
export function isIdempotent(method: string | string[], config: unknown): boolean {
  const methods = Array.isArray(method) ? method : [method];
  return (
    methods.includes("POST") &&
    requiredScope(config) !== undefined &&
    (config as { idempotent?: boolean } | undefined)?.idempotent !== false
  );
}

/** The header as documented on each idempotent operation (plugins/docs.ts). */
export const IDEMPOTENCY_KEY_PARAMETER = {
  type: "string",
  minLength: 1,
  maxLength: MAX_KEY_LENGTH,
  description:
    "Makes a retry safe: the first response to a key (per API key) is stored for 24 hours and replayed, with " +
    "`Idempotent-Replayed: true`, to a repeat of the same request; reusing the key for a different request is a 422. " +
    "A repeat that arrives while the first is still being handled waits for its response (409 after 10 s).",
} as const;

interface Claim {
  apiKeyId: string;
  key: string;
  hash: string;
  /** Set once this request owns the row: it then runs the handler and records the response. */
  claimedAt?: string;
  settled?: boolean;
}

interface StoredResponse {
  request_hash: string;
  status: number | null;
  response_body: string | null;
  response_type: string | null;
  location: string | null;
}

const claims = new WeakMap<FastifyRequest, Claim>();

/**
 * `Idempotency-Key` with Stripe's semantics, on POST routes that need an API key (and did not opt out
 * with `config: { idempotent: false }`, see isIdempotent). Each step is its
 * own short statement and no transaction is held while waiting, so the single connection of the
 * embedded database is never blocked by a request that waits for another. Register it after the auth
 * plugin, whose `request.apiKey` scopes the keys (fastify-plugin refuses the other order).
 */
export const idempotencyPlugin = fp<IdempotencyOptions>(async (app: FastifyInstance, { sql, waitMs = DEFAULT_WAIT_MS }) => {
  let lastSweep = 0;

  // The hooks go on the routes it applies to only: every other request (reads above all) would run
  // four hooks that do nothing. Route-level hooks run after the global ones: after auth (the API key),
  // and the onSend before compression's (the body stored is the plain one), as it is put first.
  app.addHook("onRoute", (route) => {
    if (!isIdempotent(route.method, route.config)) return;
    route.preValidation = [...hookList(route.preValidation), readKey];
    route.preHandler = [...hookList(route.preHandler), claimOrReplay];
    route.onSend = [recordResponse, ...hookList(route.onSend)];
    route.onResponse = [...hookList(route.onResponse), releaseUnsent];
  });

  // The raw body as the client sent it (before the schema applies defaults), read before validation;
  // the row is claimed only once validation passed: a request that never ran leaves nothing to replay.
  async function readKey(request: FastifyRequest) {
    if (!request.apiKey) return;
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header.join(", ") : header;
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      const message = `Must be 1 to ${MAX_KEY_LENGTH} characters long`;
      throw badRequest(`Invalid headers.idempotency-key: ${message}.`, [{ field: "headers.idempotency-key", message }]);
    }
    claims.set(request, { apiKeyId: request.apiKey.id, key, hash: requestHash(request) });
  }

  async function claimOrReplay(request: FastifyRequest, reply: FastifyReply) {
    const claim = claims.get(request);
    if (!claim) return;
    if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = Date.now();
      await sql.query(`DELETE FROM idempotency_keys WHERE created_at < now() - interval '${RETENTION}'`);
    }
    const stored = await claimOrWait(claim);
    if (stored) return replay(reply, stored);
  }

  async function recordResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const claim = claims.get(request);
    if (!claim?.claimedAt || claim.settled) return payload;
    claim.settled = true;
    const body = typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? payload.toString("utf8") : payload == null ? null : undefined;
    if (reply.statusCode >= 500 || body === undefined) {
      // A 5xx is a failure the client should retry for real, not see replayed (writes run in a
      // transaction that a 5xx rolled back); a streamed body cannot be stored, and an empty replay would lie.
      await release(claim);
    } else {
      await sql.query(
        `UPDATE idempotency_keys SET status = $4, response_body = $5, response_type = $6, location = $7
         WHERE api_key_id = $1 AND key = $2 AND created_at = $3::timestamptz AND status IS NULL`,
        [claim.apiKeyId, claim.key, claim.claimedAt, reply.statusCode, body, header(reply, "content-type"), header(reply, "location")],
      );
    }
    return payload;
  }

  // A request that ended without sending (a hook threw, the client went away) must not hold its key.
  async function releaseUnsent(request: FastifyRequest) {
    const claim = claims.get(request);
    if (claim?.claimedAt && !claim.settled) {
      claim.settled = true;
      await release(claim);
    }
  }

  /** Returns undefined when this request now owns the key (and runs), or the response to replay. */
  async function claimOrWait(claim: Claim): Promise<StoredResponse | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      // An expired or abandoned row is taken over in the same statement that would insert a new one.
      const [claimed] = await sql.query<{ claimed_at: string }>(
        `INSERT INTO idempotency_keys AS k (api_key_id, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (api_key_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, status = NULL, response_body = NULL, response_type = NULL,
               location = NULL, created_at = now()
           WHERE k.created_at < now() - interval '${RETENTION}'
              OR (k.status IS NULL AND k.created_at < now() - interval '${ABANDONED_AFTER}')
         RETURNING k.created_at::text AS claimed_at`,
        [claim.apiKeyId, claim.key, claim.hash],
      );
      if (claimed) {
        claim.claimedAt = claimed.claimed_at;
        return undefined;
      }
      for (;;) {
        const [row] = await sql.query<StoredResponse>(
          `SELECT request_hash, status, response_body, response_type, location FROM idempotency_keys
           WHERE api_key_id = $1 AND key = $2`,
          [claim.apiKeyId, claim.key],
        );
        // Gone: the first request failed (5xx) and released it. Claim it again.
        if (!row) break;
        if (row.request_hash !== claim.hash) {
          throw unprocessable(
            "This Idempotency-Key was used for a different request (another method, path or body); use a new key for a new request.",
          );
        }
        if (row.status !== null) return row;
        if (Date.now() >= deadline) {
          throw new Problem(409, "Conflict", "A request with this Idempotency-Key is still being handled; retry shortly.", [], {
            "retry-after": "1",
          });
        }
        await sleep(POLL_MS);
      }
      if (Date.now() >= deadline) {
        throw new Problem(409, "Conflict", "A request with this Idempotency-Key keeps failing; retry shortly.", [], { "retry-after": "1" });
      }
    }
  }

  async function release(claim: Claim): Promise<void> {
    await sql.query(
      `DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = $2 AND created_at = $3::timestamptz AND status IS NULL`,
      [claim.apiKeyId, claim.key, claim.claimedAt],
    );
  }
}, { name: "warfacts-idempotency", dependencies: ["warfacts-auth"] });

function replay(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  reply.code(stored.status!).header("idempotent-replayed", "true");
  if (stored.location) reply.header("location", stored.location);
  if (stored.response_type) reply.type(stored.response_type);
  // The stored body is sent byte for byte: neither serialised again nor given a charset it lacked.
  return reply.serializer((payload: unknown) => payload as string).send(stored.response_body ?? undefined);
}

function header(reply: FastifyReply, name: string): string | null {
  const value = reply.getHeader(name);
  return value === undefined ? null : String(value);
}

/** What makes two requests "the same": method, path with query, and the JSON body with its keys sorted. */
function requestHash(request: FastifyRequest): string {
  return createHash("sha256")
    .update(`${request.method} ${request.url}\n`)
    .update(canonicalJson(request.body))
    .digest("hex");
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return "";
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return JSON.stringify(value, (_key, nested: unknown) =>
    nested !== null && typeof nested === "object" && !Array.isArray(nested)
      ? Object.fromEntries(Object.entries(nested).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : nested,
  );
}
