import { randomUUID } from "node:crypto";
import { maxHeaderSize, type ServerOptions, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import fp from "fastify-plugin";
import type { Config } from "../config.ts";
import { Problem, serviceUnavailable, slugForStatus } from "../lib/problem.ts";
import { problemBody, sendProblem } from "./errors.ts";
import { BARE_SECURITY_HEADERS } from "./security-headers.ts";

/**
 * Errors that Fastify or Node's HTTP parser answer before any route, hook or error handler runs
 * (a path that is not valid percent-encoding, a request line or headers over the parser's limit,
 * a method the parser does not know, a client too slow to send its request), and the ones that
 * plugins answer in text (a refused CORS preflight) or that Fastify answers while closing: all leave
 * as problem+json with a request id, CORS and security headers, like every other problem.
 */

// The methods this service knows: any other is a 501 (RFC 9110, 15.6.2). TRACE is known and allowed
// nowhere, so it is a 405 with Allow (app.ts).
const KNOWN_METHODS = new Set(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "TRACE"]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// What a client may read of an answer written outside Fastify.
const EXPOSED_HEADERS = "X-Request-Id, Retry-After";
// Draining a closing instance takes seconds; a load balancer sends the retry elsewhere anyway.
const CLOSING_RETRY_AFTER_SECONDS = 1;

/** The Fastify options that route framework-level errors through the handlers below. */
export function frameworkErrorOptions(config: Config): Pick<
  FastifyServerOptions,
  "frameworkErrors" | "clientErrorHandler" | "return503OnClosing" | "requestTimeout"
> & { http: ServerOptions } {
  return {
    requestTimeout: config.requestTimeoutMs,
    // Node looks for requests past their time this often (30 s by default): a quarter of the timeout
    // keeps a 408 within 25 % of it.
    http: config.requestTimeoutMs > 0
      ? { connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(config.requestTimeoutMs / 4))), headersTimeout: config.requestTimeoutMs }
      : {},
    // Answered by frameworkErrorsPlugin instead, as a problem.
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) => {
      // Fastify runs no hook for these: the headers hooks would add are set here.
      reply.headers(bareHeaders(request.id, request.headers.origin, config.corsOrigins));
      return sendProblem(request, reply, frameworkProblem(error.code));
    },
    clientErrorHandler(this: FastifyInstance, error: Error, socket: Socket) {
      answerClientError(this, config.corsOrigins, error as ClientError, socket);
    },
  };
}

function frameworkProblem(code: string): Problem {
  if (code === "FST_ERR_BAD_URL") {
    return new Problem(400, "Bad Request", "The path is not valid percent-encoding: every % must start an escape of two hexadecimal digits (%25 for a % sign).", [
      { field: "path", message: "Invalid percent-encoding" },
    ]);
  }
  if (code === "FST_ERR_MAX_PARAM_LENGTH") return new Problem(414, "URI Too Long", "A path segment is longer than any id (500 characters).");
  return new Problem(500, "Internal Server Error", "An unexpected error occurred; it has been logged.");
}

/** What Node's 'clientError' gives: the parser's code and the bytes it had read. */
type ClientError = NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number };

/**
 * Node's parser refused the request (or its client was too slow): there is no request or reply, only
 * the socket, so the answer is written to it whole, and the connection is closed after it.
 */
function answerClientError(app: FastifyInstance, corsOrigins: Config["corsOrigins"], error: ClientError, socket: Socket) {
  // The client went away: there is nobody to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const received = error.rawPacket?.toString("latin1") ?? "";
  const status = clientErrorStatus(error.code, received, error.bytesParsed);
  const given = headerValue(received, "x-request-id");
  const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
  app.log.info({ reqId: requestId, status, code: error.code }, "client error answered before routing");
  // A response already on its way on this connection cannot be followed by another.
  const busy = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !busy) {
    socket.end(rawResponse(status, clientErrorDetail(status), { ...bareHeaders(requestId, headerValue(received, "origin"), corsOrigins), connection: "close" }));
  }
  // Whatever the client still sends is read and dropped, so that closing does not reset the
  // connection before it reads the answer; a client that never stops is cut off.
  socket.resume();
  socket.setTimeout(5_000, () => socket.destroy());
}

/**
 * The status for one of Node's client errors; `received` is the chunk the parser was reading, and
 * `stoppedAt` where in it the parser stopped.
 */
export function clientErrorStatus(code: string | undefined, received: string, stoppedAt = received.length): number {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  // The parser counts the request line in its header limit: stopped in the chunk's request line
  // (it starts with a method, and no line has ended before the stop), or a request line that alone
  // fills the limit (the parser may report its stop past it when the whole request came in one
  // chunk), the URL is what is too long.
  if (code === "HPE_HEADER_OVERFLOW") {
    const lineEnd = received.indexOf("\n");
    const requestLineFillsLimit = (lineEnd === -1 ? received.length : lineEnd) >= maxHeaderSize;
    const inRequestLine = /^[A-Z]+ \S/.test(received) && (lineEnd === -1 || lineEnd >= stoppedAt || requestLineFillsLimit);
    return inRequestLine ? 414 : 431;
  }
  if (code === "HPE_INVALID_METHOD") return 501;
  return 400;
}

function clientErrorDetail(status: number): string {
  switch (status) {
    case 408: return "The request took too long to arrive; send it again, whole.";
    case 414: return "The request line is longer than the service reads (16 kB with the headers).";
    case 431: return "The request headers add up to more than the service reads (16 kB).";
    case 501: return "This HTTP method is not one the service knows (GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE).";
    default: return "The request is not valid HTTP/1.1.";
  }
}

/** The value of one header in raw request bytes, if it arrived before the parser stopped. */
export function headerValue(received: string, name: string): string | undefined {
  const lines = received.split(/\r?\n/).slice(1);
  const line = lines.find((one) => one.slice(0, name.length + 1).toLowerCase() === `${name}:`);
  return line?.slice(name.length + 1).trim();
}

/** A complete HTTP/1.1 problem+json response, bytes ready for the socket. */
export function rawResponse(status: number, detail: string, headers: Record<string, string>): string {
  const title = STATUS_CODES[status] ?? "Error";
  const body = JSON.stringify({ type: `/problems/${slugForStatus(status)}`, title, status, detail });
  const lines = [
    `HTTP/1.1 ${status} ${title}`,
    "content-type: application/problem+json; charset=utf-8",
    `content-length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** The request id, CORS and security headers that hooks add to every other response. */
export function bareHeaders(requestId: string, origin: string | string[] | undefined, corsOrigins: Config["corsOrigins"]): Record<string, string> {
  const allowed = corsOrigins === "*" ? "*" : typeof origin === "string" && corsOrigins.includes(origin) ? origin : undefined;
  return {
    "x-request-id": requestId,
    "cache-control": "no-store",
    ...BARE_SECURITY_HEADERS,
    ...(allowed ? { "access-control-allow-origin": allowed, "access-control-expose-headers": EXPOSED_HEADERS } : {}),
    ...(corsOrigins === "*" ? {} : { vary: "Origin" }),
  };
}

/**
 * The framework errors that do reach Fastify: a method the service does not know (501), a request
 * that arrives while the instance shuts down (503, `Connection: close`), and @fastify/cors's
 * text/plain refusal of an OPTIONS request that is no preflight (400). Register it after CORS, so
 * that its problems carry CORS headers.
 */
export const frameworkErrorsPlugin = fp(async (app: FastifyInstance) => {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  app.addHook("onRequest", (request, reply, done) => {
    if (closing) {
      reply.header("connection", "close");
      // Answered here: the request goes no further (done is not called).
      sendProblem(request, reply, serviceUnavailable("This instance is shutting down; retry, and another will answer.", CLOSING_RETRY_AFTER_SECONDS));
      return;
    }
    if (!KNOWN_METHODS.has(request.method)) {
      return done(new Problem(501, "Not Implemented", `${request.method} is not a method this service knows; it answers GET, HEAD, OPTIONS, POST, PUT, PATCH and DELETE.`));
    }
    done();
  });

  // @fastify/cors answers an OPTIONS request without Origin or Access-Control-Request-Method with a
  // text/plain 400, from its own hook: the same refusal, as a problem.
  app.addHook("onSend", (request, reply, payload, done) => {
    if (request.method !== "OPTIONS" || reply.statusCode !== 400 || !String(reply.getHeader("content-type")).startsWith("text/plain")) {
      return done(null, payload);
    }
    const problem = new Problem(400, "Bad Request", "OPTIONS is answered as a CORS preflight: send `Origin` and `Access-Control-Request-Method`.", [
      { field: "headers.access-control-request-method", message: "Required in a CORS preflight" },
    ]);
    reply.header("content-type", "application/problem+json; charset=utf-8").header("cache-control", "no-store");
    done(null, JSON.stringify(problemBody(request, problem)));
  });
}, { name: "warfacts-framework-errors" });
