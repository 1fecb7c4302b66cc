import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { Problem } from "../lib/problem.ts";
import type { ApiKeysRepository, AuthenticatedKey } from "../modules/api-keys/api-keys.repository.ts";
import type { Scope } from "../modules/api-keys/api-keys.schemas.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller's live API key, or null for an anonymous request (plugins/auth.ts). */
    apiKey: AuthenticatedKey | null;
  }
  interface FastifyContextConfig {
    /** The scope an API key needs to call this route; a route without one is public. */
    scope?: Scope;
    /** `false` opts a POST out of `Idempotency-Key` (plugins/idempotency.ts): its responses are never stored. */
    idempotent?: boolean;
  }
}

/** Counts failed key checks per client, and refuses a client that failed too often (plugins/rate-limit.ts). */
export interface AuthFailureLimit {
  /** Throws a 429 problem while this request's client is over its allowance of failed checks. */
  refuseIfBlocked(request: FastifyRequest): Promise<void>;
  /** Counts one failed check against this request's client. */
  countFailure(request: FastifyRequest): Promise<void>;
}

export interface AuthOptions {
  apiKeys: Pick<ApiKeysRepository, "authenticate">;
  /** None: failed checks are not counted. */
  failures?: AuthFailureLimit;
}

const REALM = 'Bearer realm="warfacts"';
const BEARER = /^Bearer +(\S+) *$/i;

/** The name of the security scheme in the OpenAPI document. */
export const BEARER_SCHEME_NAME = "bearerAuth";

export const BEARER_SECURITY_SCHEME = {
  type: "http",
  scheme: "bearer",
  bearerFormat: "wf_<id>_<secret>",
  description:
    "An API key, sent as `Authorization: Bearer wf_<id>_<secret>`. Reads need none; writes need a key with the scope " +
    "that the operation names. Keys are created with `npm run keys -- create` or `POST /v1/api-keys`.",
} as const;

/**
 * The OpenAPI security requirement of a route that needs `scope`. OpenAPI 3.1 lets a non-OAuth
 * requirement list role names, so the scope is machine-readable where clients look for it.
 */
export function securityFor(scope: Scope): Array<Record<string, string[]>> {
  return [{ [BEARER_SCHEME_NAME]: [scope] }];
}

/** The scope a route declares in `config.scope`, if any. */
export function requiredScope(config: unknown): Scope | undefined {
  return (config as { scope?: Scope } | undefined)?.scope;
}

/**
 * Bearer API keys. Every request with an Authorization header has it checked, and gets `request.apiKey`;
 * routes with `config: { scope }` refuse requests without a live key (401) or without the scope (403).
 * With `failures`, a client that failed too many checks is refused (429) before its key is looked up.
 */
export const authPlugin = fp<AuthOptions>(async (app: FastifyInstance, { apiKeys, failures }) => {
  app.decorateRequest("apiKey", null);

  // Callback-style: most requests are anonymous reads, answered without a promise or a database trip.
  app.addHook("onRequest", (request, _reply, done) => {
    const header = request.headers.authorization;
    if (header === undefined) {
      request.apiKey = null;
      return done(scopeRefusal(request));
    }
    // A bad key is refused even on a public route, as GitHub does: a client that sends credentials
    // means to use them, and should learn that they are wrong rather than silently read as anonymous.
    checkKey(request, header).then(() => done(scopeRefusal(request)), done);
  });

  async function checkKey(request: FastifyRequest, header: string): Promise<void> {
    // Before the lookup: a client that has guessed too often is refused whatever key it sends now.
    await failures?.refuseIfBlocked(request);
    const checked = await authenticate(apiKeys, header);
    if (typeof checked === "string") {
      await failures?.countFailure(request);
      throw invalidCredentials(checked);
    }
    request.apiKey = checked;
  }
}, { name: "warfacts-auth" });

/** Why the route refuses the request's key (or its lack of one), if it does: 401 without a key, 403 without the scope. */
function scopeRefusal(request: FastifyRequest): Problem | undefined {
  const scope = requiredScope(request.routeOptions.config);
  if (!scope) return undefined;
  if (!request.apiKey) {
    return new Problem(401, "Unauthorized", `${describe(request)} needs an API key with the "${scope}" scope: send \`Authorization: Bearer <key>\`.`, [], {
      "www-authenticate": REALM,
    });
  }
  if (!request.apiKey.scopes.includes(scope)) {
    return new Problem(403, "Forbidden", `${describe(request)} needs an API key with the "${scope}" scope; this key has ${scopeList(request.apiKey.scopes)}.`, [], {
      "www-authenticate": `${REALM}, error="insufficient_scope", scope="${scope}"`,
    });
  }
  return undefined;
}

/**
 * The live key the header names, else why not (a failed check). Messages never repeat the key, nor any
 * part of it: problems may end up in logs and bug reports.
 */
async function authenticate(apiKeys: AuthOptions["apiKeys"], header: string): Promise<AuthenticatedKey | string> {
  const token = BEARER.exec(header)?.[1];
  if (!token) return "The Authorization header must be `Bearer <key>`.";
  return (await apiKeys.authenticate(token)) ?? "The API key is malformed, unknown or revoked.";
}

function invalidCredentials(detail: string): Problem {
  return new Problem(401, "Unauthorized", detail, [], { "www-authenticate": `${REALM}, error="invalid_token"` });
}

function describe(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`;
}

function scopeList(scopes: readonly Scope[]): string {
  return scopes.length === 0 ? "no scopes" : `only ${scopes.map((scope) => `"${scope}"`).join(", ")}`;
}
