/** One invalid input, named the way a client sent it: `query.limit`, `params.id`, `body.name`. */
export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem, thrown anywhere and rendered by the one error handler (plugins/errors.ts). */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "Problem";
  }

  /** The problem type: a URI reference, stable across deployments, that this API describes when fetched. */
  get type(): string {
    return `/problems/${slugForStatus(this.status)}`;
  }
}

/** Not a problem: the resource lives at `location` now (a merged actor's survivor). Sent as 308. */
export class MovedPermanently extends Error {
  constructor(readonly location: string) {
    super(`Moved permanently to ${location}`);
    this.name = "MovedPermanently";
  }
}

export const unprocessable = (detail: string, errors: FieldError[] = []) =>
  new Problem(422, "Unprocessable Content", detail, errors);

export const conflict = (detail: string, errors: FieldError[] = []) => new Problem(409, "Conflict", detail, errors);

export const badRequest = (detail: string, errors: FieldError[] = []) =>
  new Problem(400, "Bad Request", detail, errors);

export const notFound = (detail: string) => new Problem(404, "Not Found", detail);

export const serviceUnavailable = (detail: string, retryAfterSeconds = 5) =>
  new Problem(503, "Service Unavailable", detail, [], { "retry-after": String(retryAfterSeconds) });

/** Every problem type this API sends, with what it means for a client. */
export const PROBLEM_TYPES: Record<string, { status: number; title: string; description: string }> = {
  "invalid-request": { status: 400, title: "Bad Request", description: "A parameter is invalid or unknown; `errors` names each one and says why. Fix the request; retrying it unchanged will fail again." },
  unauthorized: { status: 401, title: "Unauthorized", description: "No API key, or one that is malformed, unknown or revoked. Send `Authorization: Bearer <key>` with a live key; a key is never needed for reads, but a bad one is refused everywhere." },
  forbidden: { status: 403, title: "Forbidden", description: "The API key is valid but lacks the scope this operation needs; `detail` names it. Ask for a key with that scope." },
  "not-found": { status: 404, title: "Not Found", description: "No resource has this id, or no route has this path." },
  "method-not-allowed": { status: 405, title: "Method Not Allowed", description: "The path exists but not for this method; the `Allow` header lists the ones it has." },
  conflict: { status: 409, title: "Conflict", description: "The resource already exists (a duplicate id), or another request with the same Idempotency-Key is still running." },
  gone: { status: 410, title: "Gone", description: "The fact was deleted by an editor, or no source backs it any more. Partners mirroring the data should delete their copy." },
  "precondition-failed": { status: 412, title: "Precondition Failed", description: "`If-Match` names a version that is no longer current: read the resource again, reapply your change, and retry with its new ETag." },
  "unprocessable-content": { status: 422, title: "Unprocessable Content", description: "The request is well-formed but inconsistent: an excerpt missing from or ambiguous in its source, an unknown actor, an Idempotency-Key reused with another body. `errors` names each field." },
  "not-acceptable": { status: 406, title: "Not Acceptable", description: "No representation matches the `Accept` header." },
  "request-timeout": { status: 408, title: "Request Timeout", description: "The request's headers and body took longer to arrive than the service waits (`REQUEST_TIMEOUT_MS`). Send the whole request promptly." },
  "payload-too-large": { status: 413, title: "Payload Too Large", description: "The request body is larger than allowed." },
  "uri-too-long": { status: 414, title: "URI Too Long", description: "The request line is longer than the service reads (16 kB with the headers). Use fewer or shorter query parameters." },
  "unsupported-media-type": { status: 415, title: "Unsupported Media Type", description: "The request body's media type is not accepted." },
  "rate-limited": { status: 429, title: "Too Many Requests", description: "This client (its API key, or its IP address without one) sent more requests in the window than allowed; writes have a limit of their own. Or its IP address failed too many API key checks: then every request from there that sends a key is refused, unchecked, until the window ends (requests without a key are not). Retry after `Retry-After` seconds; `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` say where a client stands on every response." },
  "request-header-fields-too-large": { status: 431, title: "Request Header Fields Too Large", description: "The request's headers add up to more than the service reads (16 kB). Send fewer or smaller headers." },
  "internal-error": { status: 500, title: "Internal Server Error", description: "A bug. It is logged with the request's `X-Request-Id`; quote it when reporting." },
  "not-implemented": { status: 501, title: "Not Implemented", description: "The service has no resource that answers this HTTP method (it knows GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE)." },
  unavailable: { status: 503, title: "Service Unavailable", description: "The service cannot answer now: the database does not answer, this instance is at capacity, or it is shutting down. Retry after `Retry-After` seconds." },
};

export function slugForStatus(status: number): string {
  const known = Object.entries(PROBLEM_TYPES).find(([, type]) => type.status === status);
  if (known) return known[0];
  return status >= 500 ? "internal-error" : "invalid-request";
}
