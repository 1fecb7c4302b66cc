// The ceiling of `npm run bench`: about the least a server can do to give warfacts' JSON for its list and detail
// requests: Fastify, pg, the stored `doc` of each fact and keyset pagination; no validation, problems, ETags, logs.
// Env: DATABASE_URL, PORT. Not part of the service: the bench starts it as a peer.
import Fastify from "fastify";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ logger: false });
const UNDECODED = { getTypeParser: () => (value: Buffer) => value } as unknown as pg.CustomTypesConfig;
const DATA_START = Buffer.from('{"data":[');
const COMMA = Buffer.from(",");
const LISTS = {
  statements: { table: "statements", date: "said_on", tag: "st:said" },
  "attack-events": { table: "attack_events", date: "occurred_on", tag: "ae:occurred" },
} as const;

for (const [resource, { table, date, tag }] of Object.entries(LISTS)) {
  app.get(`/v1/${resource}`, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const limit = Math.min(Number(query.limit ?? 25), 100);
    const values: unknown[] = [];
    const param = (value: unknown) => `$${values.push(value)}`;
    const where = ["deleted_at IS NULL"];
    if (query.speaker) where.push(`speaker_id = ${param(query.speaker)}`);
    if (query.from) where.push(`${date} >= ${param(query.from)}::date`);
    if (query.to) where.push(`${date} <= ${param(query.to)}::date`);
    if (query.cursor) {
      const [, key, id] = JSON.parse(Buffer.from(query.cursor, "base64url").toString()) as [string, string, string];
      where.push(`(${date} > ${param(key)} OR (${date} = $${values.length} AND id > ${param(id)}) OR ${date} IS NULL)`);
    }
    // Binary results: the JSON's UTF-8 as PostgreSQL sends it, never decoded into a string.
    const { rows } = await pool.query<{ id: Buffer; key: Buffer; doc: Buffer }>({
      text: `SELECT id, to_char(${date}, 'YYYY-MM-DD') AS key, doc_text AS doc FROM ${table} WHERE ${where.join(" AND ")}
              ORDER BY ${date} ASC NULLS LAST, id ASC LIMIT ${param(limit + 1)}`,
      values, binary: true, types: UNDECODED,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    let page = { nextCursor: null as string | null, next: null as string | null };
    if (rows.length > limit && last) {
      const cursor = Buffer.from(JSON.stringify([tag, last.key.toString(), last.id.toString()])).toString("base64url");
      const url = new URL(request.url, "http://ceiling");
      url.searchParams.set("cursor", cursor);
      page = { nextCursor: cursor, next: `${url.pathname}${url.search}` };
    }
    reply.type("application/json; charset=utf-8");
    const docs = items.flatMap((row, index) => (index === 0 ? [row.doc] : [COMMA, row.doc]));
    return reply.send(Buffer.concat([DATA_START, ...docs, Buffer.from(`],"page":${JSON.stringify(page)}}`)]));
  });

  app.get(`/v1/${resource}/:id`, async (request, reply) => {
    const { rows } = await pool.query<{ doc: string }>(
      `SELECT doc_text AS doc FROM ${table} WHERE id = $1 AND deleted_at IS NULL`, [(request.params as { id: string }).id]);
    if (!rows[0]) return reply.code(404).send({ status: 404 });
    return reply.type("application/json; charset=utf-8").send(rows[0].doc);
  });
}

await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT ?? 3000) });
process.once("SIGTERM", () => void app.close().then(() => pool.end()));
