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

  /** The problem type URI: stable, and documented per status in the README. */
  get type(): string {
    return `https://warfacts.dev/problems/${slugForStatus(this.status)}`;
  }
}

export const badRequest = (detail: string, errors: FieldError[] = []) =>
  new Problem(400, "Bad Request", detail, errors);

export const notFound = (detail: string) => new Problem(404, "Not Found", detail);

export const serviceUnavailable = (detail: string, retryAfterSeconds = 5) =>
  new Problem(503, "Service Unavailable", detail, [], { "retry-after": String(retryAfterSeconds) });

const STATUS_SLUGS: Record<number, string> = {
  400: "invalid-request",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  406: "not-acceptable",
  409: "conflict",
  412: "precondition-failed",
  413: "payload-too-large",
  415: "unsupported-media-type",
  422: "unprocessable",
  429: "rate-limited",
  500: "internal-error",
  503: "unavailable",
};

export function slugForStatus(status: number): string {
  return STATUS_SLUGS[status] ?? (status >= 500 ? "internal-error" : "invalid-request");
}
