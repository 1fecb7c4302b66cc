// `npm run keys -- create --name newsdesk --scope write [--scope admin]`, `list`, `revoke <id>`:
// API keys for the write API, on the database DATABASE_URL names (migrated first if needed).
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { prepareDatabase } from "../src/db/bootstrap.ts";
import { openDatabase } from "../src/db/database.ts";
import { createApiKeysRepository } from "../src/modules/api-keys/api-keys.repository.ts";
import { type ApiKey, SCOPES, type Scope } from "../src/modules/api-keys/api-keys.schemas.ts";

const USAGE = `Usage:
  npm run keys -- create --name <name> --scope <scope> [--scope <scope> ...]
  npm run keys -- list
  npm run keys -- revoke <id>

Scopes: ${SCOPES.join(", ")}. The database is DATABASE_URL's (default: the embedded one under .data/).`;

// Exit codes: 0 done, 1 failed (e.g. unknown id, database unreachable), 2 wrong usage.
class UsageError extends Error {}

type Command =
  | { name: "create"; keyName: string; scopes: Scope[] }
  | { name: "list" }
  | { name: "revoke"; id: string }
  | { name: "help" };

function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        scope: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === "help") return { name: "help" };
  const noExtra = (allowed: Array<keyof typeof values>) => {
    const extra = (Object.keys(values) as Array<keyof typeof values>).filter((option) => !allowed.includes(option));
    if (extra.length > 0) throw new UsageError(`"${command}" takes no --${extra.join(", --")}.`);
  };
  switch (command) {
    case "create": {
      noExtra(["name", "scope"]);
      if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
      const keyName = values.name?.trim();
      if (!keyName) throw new UsageError("create needs --name <name>.");
      if (keyName.length > 100) throw new UsageError("--name is limited to 100 characters.");
      const scopes = values.scope ?? [];
      if (scopes.length === 0) throw new UsageError(`create needs at least one --scope (${SCOPES.join(", ")}).`);
      const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
      if (unknown.length > 0) throw new UsageError(`Unknown scope "${unknown[0]}"; scopes are ${SCOPES.join(", ")}.`);
      return { name: "create", keyName, scopes: scopes as Scope[] };
    }
    case "list":
      noExtra([]);
      if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
      return { name: "list" };
    case "revoke":
      noExtra([]);
      if (rest.length !== 1) throw new UsageError("revoke needs exactly one key id.");
      return { name: "revoke", id: rest[0]! };
    case undefined:
      throw new UsageError("Missing command.");
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

function table(keys: ApiKey[]): string {
  const header = ["id", "name", "scopes", "created", "revoked", "last used"];
  const rows = keys.map((key) => [key.id, key.name, key.scopes.join(","), key.createdAt, key.revokedAt ?? "-", key.lastUsedAt ?? "-"]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()).join("\n");
}

async function run(command: Exclude<Command, { name: "help" }>): Promise<number> {
  const config = loadConfig();
  const database = await openDatabase(config.databaseUrl, { poolSize: 1 });
  try {
    await prepareDatabase(database, { migrate: true, seed: false });
    const apiKeys = createApiKeysRepository(database.sql);
    switch (command.name) {
      case "create": {
        const created = await apiKeys.create({ name: command.keyName, scopes: command.scopes });
        console.error(`Created API key ${created.id} "${created.name}" (${created.scopes.join(", ")}).`);
        console.error("This is the only time the key is shown; store it now:");
        console.log(created.key);
        return 0;
      }
      case "list": {
        const keys = await apiKeys.list();
        console.log(keys.length === 0 ? "No API keys yet." : table(keys));
        return 0;
      }
      case "revoke": {
        const revoked = await apiKeys.revoke(command.id);
        if (!revoked) {
          console.error(`No API key has the id "${command.id}".`);
          return 1;
        }
        console.error(`Revoked API key ${revoked.id} "${revoked.name}" at ${revoked.revokedAt}.`);
        return 0;
      }
    }
  } finally {
    await database.close();
  }
}

async function main(): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.name === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    return await run(command);
  } catch (error) {
    console.error(`keys: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
