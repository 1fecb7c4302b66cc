import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import type { SqlClient, Transact } from "../../db/database.ts";
import { addEvidence, type ClaimRecord, deleteClaim, deleteEvidence, findClaim, patchClaim } from "../../db/editing.ts";
import { notFound } from "../../lib/problem.ts";
import { ClaimEvidenceInputSchema, ClaimPatchSchema, ClaimRecordSchema } from "./facts.schemas.ts";
import { changeContext } from "./change-context.ts";

// Plain decimal digits only (no `0x10`, `1e1`), within the int4 ids.
const ClaimParamsSchema = z.strictObject({
  id: z.string().regex(/^[1-9][0-9]{0,9}$/, "Expected a claim id: a positive decimal integer")
    .transform(Number).refine((id) => id <= 2_147_483_647, "No claim has so large an id"),
});

/** A stored claim as the API shows it. */
export function claimRecord(claim: ClaimRecord): z.infer<typeof ClaimRecordSchema> {
  return {
    id: claim.id,
    subject: claim.subject,
    field: claim.field as z.infer<typeof ClaimRecordSchema>["field"],
    key: claim.key,
    origin: claim.origin as "bundle" | "api",
    sourceId: claim.sourceId,
    reportedById: claim.reportedById,
    preferred: claim.preferred,
    number: claim.numberValue === null ? null : {
      value: claim.numberValue, qualifier: (claim.qualifier ?? "EXACT").toLowerCase(), low: claim.numberLow, high: claim.numberHigh,
    },
    time: claim.dateValue === null && claim.dateWording === null ? null : {
      date: claim.dateValue, precision: claim.datePrecision?.toLowerCase() ?? null, wording: claim.dateWording,
    },
    text: claim.textValue,
    actorId: claim.actorValueId,
    statementId: claim.statementValueId,
    evidence: claim.evidence.map((row) => ({ id: row.id, sourceId: row.sourceId, excerpt: row.excerpt, start: row.start, end: row.end })),
  };
}

/** One claim and its evidence: read, prefer, retract; excerpts added and removed. */
export const claimsRoutes: FastifyPluginAsyncZod<{ sql: SqlClient; transaction: Transact }> = async (app, { sql, transaction }) => {
  const claimOr404 = async (id: number, from: SqlClient = sql, lock = false) => {
    const claim = await findClaim(from, id, lock);
    if (!claim) throw notFound(`No claim has the id ${id}.`);
    return claim;
  };

  app.get("/claims/:id", {
    schema: {
      operationId: "getClaim",
      tags: ["claims"],
      summary: "Get a claim",
      description: "What one source says about one field of one fact, with its evidence.",
      params: ClaimParamsSchema,
      response: { 200: ClaimRecordSchema },
    },
    handler: async (request) => claimRecord(await claimOr404(request.params.id)),
  });

  app.patch("/claims/:id", {
    config: { scope: "write" },
    schema: {
      operationId: "updateClaim",
      tags: ["claims"],
      summary: "Prefer a claim, or change who reported it",
      description: "`preferred: true` makes this claim's value the field's resolved value, whatever the other sources say.",
      params: ClaimParamsSchema,
      body: ClaimPatchSchema,
      response: { 200: ClaimRecordSchema },
    },
    handler: async (request) => {
      await transaction(async (tx) => patchClaim(tx, await claimOr404(request.params.id, tx, true), request.body, changeContext(request)));
      return claimRecord(await claimOr404(request.params.id));
    },
  });

  app.delete("/claims/:id", {
    config: { scope: "write" },
    schema: {
      operationId: "deleteClaim",
      tags: ["claims"],
      summary: "Retract a claim",
      description: "The fact is rendered again without it; a fact no claim backs any more is tombstoned (410).",
      params: ClaimParamsSchema,
      response: { 204: z.null().describe("Deleted") },
    },
    handler: async (request, reply) => {
      await transaction(async (tx) => deleteClaim(tx, await claimOr404(request.params.id, tx, true), changeContext(request)));
      return reply.code(204).send(null);
    },
  });

  app.post("/claims/:id/evidence", {
    config: { scope: "write" },
    schema: {
      operationId: "addClaimEvidence",
      tags: ["claims"],
      summary: "Add an excerpt to a claim",
      description: "By its text (the server finds its offsets; 422 when it is absent or ambiguous without `occurrence`) or by its offsets.",
      params: ClaimParamsSchema,
      body: ClaimEvidenceInputSchema,
      response: { 201: ClaimRecordSchema },
    },
    handler: async (request, reply) => {
      await transaction(async (tx) => addEvidence(tx, await claimOr404(request.params.id, tx, true), request.body, changeContext(request)));
      reply.code(201);
      return claimRecord(await claimOr404(request.params.id));
    },
  });

  app.delete("/evidence/:id", {
    config: { scope: "write" },
    schema: {
      operationId: "deleteEvidence",
      tags: ["claims"],
      summary: "Remove an excerpt",
      params: ClaimParamsSchema,
      response: { 204: z.null().describe("Deleted") },
    },
    handler: async (request, reply) => {
      const deleted = await transaction((tx) => deleteEvidence(tx, request.params.id, changeContext(request)));
      if (!deleted) throw notFound(`No evidence has the id ${request.params.id}.`);
      return reply.code(204).send(null);
    },
  });
};
