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
  "payload-too-large": { status: 413, title: "Payload Too Large", description: "The request body is larger than allowed." },
  "unsupported-media-type": { status: 415, title: "Unsupported Media Type", description: "The request body's media type is not accepted." },
  "rate-limited": { status: 429, title: "Too Many Requests", description: "Too many requests; retry after `Retry-After` seconds." },
  "internal-error": { status: 500, title: "Internal Server Error", description: "A bug. It is logged with the request's `X-Request-Id`; quote it when reporting." },
  unavailable: { status: 503, title: "Service Unavailable", description: "The database does not answer; retry after `Retry-After` seconds." },
};

export function slugForStatus(status: number): string {
  const known = Object.entries(PROBLEM_TYPES).find(([, type]) => type.status === status);
  if (known) return known[0];
  return status >= 500 ? "internal-error" : "invalid-request";
}
