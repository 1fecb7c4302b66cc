import { isIP } from "node:net";
import { z } from "zod";

export const DEFAULT_DATABASE_URL = "pglite://./.data/pg";

const booleanFromEnv = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");

// The one place that reads the environment; everything else receives a Config.
const environmentSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?|pglite):\/\//, "must start with postgresql:// or pglite://")
    .default(DEFAULT_DATABASE_URL),
  DATABASE_READ_URLS: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((url) => url.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^postgres(ql)?:\/\//, "each must start with postgresql://").refine(URL.canParse, "must be a URL"))),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(3000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(6000),
  MAX_IN_FLIGHT_PER_DB_CONNECTION: z.coerce.number().int().min(1).max(1000).default(2),
  MAX_QUEUE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  WEBHOOK_WORKER: booleanFromEnv.default(true),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).max(1_000_000).default(600),
  RATE_LIMIT_WRITE_MAX: z.coerce.number().int().min(0).max(1_000_000).default(120),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  SEARCH_RANKED_MATCHES: z.coerce.number().int().min(1).max(100_000).default(200),
  AUTH_FAILURE_LIMIT_MAX: z.coerce.number().int().min(0).max(1_000_000).default(20),
  AUTH_FAILURE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(900_000),
  TRUST_PROXY: z.string().default("false").transform((value, context) => parseTrustProxy(value, context)),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  CORS_ORIGINS: z.string().default("*"),
  AUTO_MIGRATE: booleanFromEnv.default(true),
  AUTO_SEED: booleanFromEnv.default(true),
});

export type TrustProxy = boolean | string[];

export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  /** Read replicas (streaming standbys of databaseUrl) that take the read path; ignored on the embedded database. */
  databaseReadUrls: string[];
  /**
   * Per database: the primary's pool and each replica's have this many connections, and as many again
   * for the reads that are planned for their values (search, timelines).
   */
  databasePoolSize: number;
  /** PostgreSQL server only: opening a connection, or waiting for a free one in the pool. */
  databaseConnectTimeoutMs: number;
  /** PostgreSQL server only: the server cancels a statement running longer (0: never). */
  databaseStatementTimeoutMs: number;
  /** PostgreSQL server only: the client gives up on an answer that takes longer, when the server cannot say so itself (frozen, partitioned). */
  databaseQueryTimeoutMs: number;
  /** Reads (GET, HEAD) run at once per database connection (the embedded database has one); the others queue. */
  maxInFlightPerDbConnection: number;
  /** The longest a read waits in that queue: one that would wait longer is refused with 503 and Retry-After. */
  maxQueueWaitMs: number;
  /** Run the webhook worker in this instance (every instance may: leases keep deliveries single). */
  webhookWorker: boolean;
  webhookPollMs: number;
  webhookTimeoutMs: number;
  /** The longest a client may take to send a whole request (headers and body) before a 408; 0: no limit. */
  requestTimeoutMs: number;
  /**
   * Requests per client (an API key's id, else the IP address) per window, in this instance's memory:
   * reads and writes count apart. 0 disables that limit.
   */
  rateLimitMax: number;
  rateLimitWriteMax: number;
  rateLimitWindowMs: number;
  /** How many matches of each type a search ranks, at most (search.repository.ts). */
  searchRankedMatches: number;
  /**
   * Failed API key checks (a malformed, unknown or revoked key) per IP address (IPv6: per /64) per
   * window, in this instance's memory; past them, every request from there that sends a key is refused
   * with 429 until the window ends, before its key is looked up. 0 disables the limit.
   */
  authFailureLimitMax: number;
  authFailureLimitWindowMs: number;
  /**
   * Fastify's `trustProxy`: which proxies' `X-Forwarded-For` gives a client's address (request.ip, and
   * so the rate limits' buckets). false: none, the socket's peer is the client; true: any (only when
   * the proxy is the sole way in); a list: those addresses and CIDR ranges.
   */
  trustProxy: TrustProxy;
  logLevel: z.infer<typeof environmentSchema>["LOG_LEVEL"];
  /** "*" allows every origin; otherwise an exact list. */
  corsOrigins: "*" | string[];
  autoMigrate: boolean;
  autoSeed: boolean;
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const env = parsed.data;
  return {
    host: env.HOST,
    port: env.PORT,
    databaseUrl: env.DATABASE_URL,
    databaseReadUrls: env.DATABASE_READ_URLS,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    databaseConnectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    databaseStatementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseQueryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    maxInFlightPerDbConnection: env.MAX_IN_FLIGHT_PER_DB_CONNECTION,
    maxQueueWaitMs: env.MAX_QUEUE_WAIT_MS,
    webhookWorker: env.WEBHOOK_WORKER,
    webhookPollMs: env.WEBHOOK_POLL_MS,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    rateLimitMax: env.RATE_LIMIT_MAX,
    rateLimitWriteMax: env.RATE_LIMIT_WRITE_MAX,
    rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS,
    searchRankedMatches: env.SEARCH_RANKED_MATCHES,
    authFailureLimitMax: env.AUTH_FAILURE_LIMIT_MAX,
    authFailureLimitWindowMs: env.AUTH_FAILURE_LIMIT_WINDOW_MS,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    corsOrigins: parseOrigins(env.CORS_ORIGINS),
    autoMigrate: env.AUTO_MIGRATE,
    autoSeed: env.AUTO_SEED,
  };
}

function parseOrigins(value: string): "*" | string[] {
  const origins = value.split(",").map((origin) => origin.trim()).filter(Boolean);
  return origins.length === 0 || origins.includes("*") ? "*" : origins;
}

// The names proxy-addr (Fastify's trustProxy) knows for ranges: 127.0.0.0/8 and ::1, 169.254.0.0/16
// and fe80::/10, 10/8, 172.16/12, 192.168/16 and fc00::/7.
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  // proxy-addr also takes an IPv4 netmask (10.0.0.0/255.0.0.0).
  if (version === 4 && isIP(prefix) === 4) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

function parseTrustProxy(value: string, context: z.RefinementCtx): TrustProxy {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === "" || trimmed === "false" || trimmed === "0") return false;
  if (trimmed === "true") return true;
  // Fastify 5.12 ignores a hop count (it trusts no one for it): a header is only as good as the
  // address it came from, and a count checks none. Refused here rather than silently meaning "off".
  if (/^\d+$/.test(trimmed)) {
    context.addIssue({ code: "custom", message: "a hop count is not supported (Fastify cannot check the peer with it): list the proxies' addresses or CIDR ranges" });
    return z.NEVER;
  }
  const entries = value.split(",").map((entry) => entry.trim()).filter(Boolean);
  const invalid = entries.filter((entry) => !isAddressOrRange(entry));
  if (invalid.length > 0) {
    context.addIssue({ code: "custom", message: `must be false, true, or a comma-separated list of addresses and CIDR ranges; not ${invalid.join(", ")}` });
    return z.NEVER;
  }
  return entries;
}
