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
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  CORS_ORIGINS: z.string().default("*"),
  AUTO_MIGRATE: booleanFromEnv.default(true),
  AUTO_SEED: booleanFromEnv.default(true),
});

export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  databasePoolSize: number;
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
    databasePoolSize: env.DATABASE_POOL_SIZE,
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
