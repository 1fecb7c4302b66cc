import { createHash, randomBytes, randomInt } from "node:crypto";
import type { SqlClient } from "../../db/database.ts";
import { isoTimestamp } from "../../db/sql-fragments.ts";
import { type ApiKey, type ApiKeyCreated, SCOPES, type Scope } from "./api-keys.schemas.ts";

// `wf_<id>_<secret>`: a fixed prefix lets secret scanners (and people) recognise a leaked key; the
// id is public (it names the key in lists and logs); the secret is 32 random bytes in base64url.
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const ID_LENGTH = 12;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^wf_[a-z2-7]{12}_[A-Za-z0-9_-]{43,128}$/;

/** Whether `token` has the shape of a key this service issues; says nothing about whether it is live. */
export function isWellFormedApiKey(token: string): boolean {
  return KEY_PATTERN.test(token);
}

/** Only this is stored: the key has 256 random bits, so a fast hash is enough (no salt, no KDF). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function newKeyId(): string {
  let id = "";
  for (let index = 0; index < ID_LENGTH; index++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** Who a request is, once its key checks out. */
export interface AuthenticatedKey {
  id: string;
  name: string;
  scopes: Scope[];
}

const API_KEY_COLUMNS = `id, name, coalesce(scopes, '{}') AS scopes, ${isoTimestamp("created_at")} AS "createdAt",
  ${isoTimestamp("revoked_at")} AS "revokedAt", ${isoTimestamp("last_used_at")} AS "lastUsedAt"`;

// Scopes in their canonical order, each once, whatever order they were asked for in.
const canonicalScopes = (scopes: readonly Scope[]) => SCOPES.filter((scope) => scopes.includes(scope));

export function createApiKeysRepository(sql: SqlClient) {
  return {
    /** Returns the key itself: this is the only time it exists outside the client. */
    async create(input: { name: string; scopes: readonly Scope[] }): Promise<ApiKeyCreated> {
      const id = newKeyId();
      const key = `wf_${id}_${randomBytes(SECRET_BYTES).toString("base64url")}`;
      const [row] = await sql.query<Omit<ApiKeyCreated, "key">>(
        `INSERT INTO api_keys (id, name, scopes, secret_hash) VALUES ($1, $2, $3, $4)
         RETURNING id, name, scopes, ${isoTimestamp("created_at")} AS "createdAt"`,
        [id, input.name, canonicalScopes(input.scopes), hashApiKey(key)],
      );
      return { ...row!, key };
    },

    async list(): Promise<ApiKey[]> {
      return sql.query<ApiKey>(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`);
    },

    async findById(id: string): Promise<ApiKey | undefined> {
      const [row] = await sql.query<ApiKey>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id]);
      return row;
    },

    /** Revoking a revoked key is fine and keeps the first revocation time; an unknown id is undefined. */
    async revoke(id: string): Promise<ApiKey | undefined> {
      const [row] = await sql.query<ApiKey>(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${API_KEY_COLUMNS}`,
        [id],
      );
      return row;
    },

    /**
     * The live key `key` is, or undefined. One round trip: `last_used_at` is written in the same
     * statement, and only when it is a minute old, so a busy key does not rewrite its row on every
     * request. The condition is on the updated row itself, so concurrent requests write it once.
     */
    async authenticate(key: string): Promise<AuthenticatedKey | undefined> {
      if (!isWellFormedApiKey(key)) return undefined;
      const [row] = await sql.query<AuthenticatedKey>(
        `WITH hit AS (
           SELECT id, name, coalesce(scopes, '{}') AS scopes FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL
         ), touched AS (
           UPDATE api_keys k SET last_used_at = now() FROM hit
           WHERE k.id = hit.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
         )
         SELECT id, name, scopes FROM hit`,
        [hashApiKey(key)],
      );
      return row ? { id: row.id, name: row.name, scopes: canonicalScopes(row.scopes) } : undefined;
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
