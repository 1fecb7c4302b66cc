import type { FastifyPluginAsyncZod } from "@fastify/type-provider-zod";
import { z } from "zod";
import type { SqlClient, Transact } from "../../db/database.ts";
import { addClaim, createFact, deleteFact, findClaim, listRevisions, lockFact, patchFact } from "../../db/editing.ts";
import type { FactLookup } from "../../db/list-query.ts";
import type { ResourceKind } from "../../db/projection.ts";
import { type ClaimSpec, takeApart } from "../../lib/bundle-claims.ts";
import { sendWholeFact } from "../../lib/fact-response.ts";
import { badRequest, notFound } from "../../lib/problem.ts";
import { IdParamsSchema } from "../common/common.schemas.ts";
import type { Bundle } from "../sources/bundle.schemas.ts";
import {
  type ClaimField,
  type ClaimInput,
  ClaimInputSchema,
  ClaimRecordSchema,
  IfMatchHeaderSchema,
  patchColumns,
  RevisionListSchema,
  SourceRefSchema,
} from "./facts.schemas.ts";
import { changeContext } from "./change-context.ts";
import { claimRecord } from "./claims.routes.ts";

export interface FactWriteOptions {
  kind: ResourceKind;
  /** URL segment: `attack-events`. */
  collection: string;
  noun: string;
  /** Where the fact goes in a bundle. */
  bundleList: keyof Bundle;
  tag: string;
  /** Operation ids: `AttackEvent`. */
  operationName: string;
  input: z.ZodObject;
  patch: z.ZodObject;
  item: z.ZodType;
  findById: (id: string) => Promise<FactLookup<unknown>>;
  transaction: Transact;
  sql: SqlClient;
}

/** Which claim fields each kind of subject takes, and what value each needs. */
const CLAIM_FIELDS: Record<string, Partial<Record<ClaimField, "none" | "number" | "time" | "text" | "actor" | "statement">>> = {
  actor: { fact: "none", alias: "text" },
  statement: { fact: "none", said: "time", about: "actor", respondsTo: "statement" },
  sanction: { fact: "none", announced: "time", target: "actor", about: "actor" },
  targetGroup: { fact: "none", count: "number" },
  attackEvent: {
    fact: "none", occurred: "time", attacker: "actor", weapon: "text", launched: "number", intercepted: "number",
    killed: "number", injured: "number", place: "actor",
  },
  impact: { fact: "none", peopleAffected: "number", recoveryEstimate: "text" },
};

const KEYED_FIELDS = new Set<ClaimField>(["alias", "about", "target", "place", "respondsTo"]);

/** A claim body as the ClaimSpec the ingest path takes, or a 400 naming what is missing. */
export function claimSpecOf(kind: ResourceKind, factId: string, input: ClaimInput): ClaimSpec {
  const subject = input.impactId ? { kind: "impact" as const, id: input.impactId } : input.targetGroupId
    ? { kind: "targetGroup" as const, id: input.targetGroupId } : { kind, id: factId };
  if ((input.impactId && kind !== "attackEvent") || (input.targetGroupId && kind !== "sanction")) {
    throw badRequest("impactId belongs to attack events, targetGroupId to sanctions.", [
      { field: input.impactId ? "body.impactId" : "body.targetGroupId", message: "Not a part of this kind of fact" },
    ]);
  }
  const needs = CLAIM_FIELDS[subject.kind]![input.field];
  if (!needs) {
    throw badRequest(`A claim about ${subject.kind === kind ? `a ${kind}` : `an ${subject.kind}`} cannot be about "${input.field}".`, [
      { field: "body.field", message: `One of: ${Object.keys(CLAIM_FIELDS[subject.kind]!).join(", ")}` },
    ]);
  }
  const given = { number: input.number, time: input.time, text: input.text, actor: input.actorId, statement: input.statementId };
  const bodyName = { number: "number", time: "time", text: "text", actor: "actorId", statement: "statementId" } as const;
  if (needs !== "none" && given[needs] === undefined) {
    throw badRequest(`A "${input.field}" claim needs \`${bodyName[needs]}\`.`, [{ field: `body.${bodyName[needs]}`, message: "Required for this field" }]);
  }
  const number = needs === "number" ? input.number! : undefined;
  const time = needs === "time" ? input.time! : undefined;
  if (time && time.date === undefined && time.wording === undefined) {
    throw badRequest("A time needs a date, a wording, or both.", [{ field: "body.time", message: "Give a date, a wording, or both" }]);
  }
  const valueId = needs === "actor" ? input.actorId! : needs === "statement" ? input.statementId! : needs === "text" ? input.text! : "";
  return {
    kind: subject.kind,
    subjectId: subject.id,
    field: input.field,
    key: KEYED_FIELDS.has(input.field) ? valueId : "",
    reportedById: input.reportedBy ?? null,
    numberValue: number?.value ?? null,
    numberLow: number?.low ?? null,
    numberHigh: number?.high ?? null,
    qualifier: number ? (number.qualifier ?? "exact").toUpperCase() : null,
    textValue: needs === "text" ? input.text! : null,
    actorValueId: needs === "actor" ? input.actorId! : null,
    statementValueId: needs === "statement" ? input.statementId! : null,
    dateValue: time?.date ?? null,
    datePrecision: time ? (time.precision?.toUpperCase() ?? (time.date ? "DAY" : null)) : null,
    dateWording: time?.wording ?? null,
    excerpts: input.evidence,
    path: "",
  };
}

/** Create, edit, delete, claims and history of one fact resource. */
export const factWriteRoutes: FastifyPluginAsyncZod<FactWriteOptions> = async (app, options) => {
  const { kind, collection, noun, transaction } = options;
  const address = (id: string) => ({ noun, collection: `/v1/${collection}`, id });
  const itemResponse = (id: string) => options.findById(id);

  app.post(`/${collection}`, {
    config: { scope: "write" },
    schema: {
      operationId: `create${options.operationName}`,
      tags: [options.tag],
      summary: `Create a ${noun} from one source`,
      description:
        `Creates the ${noun} with this source's claims about it (kept as the editor's: a later bundle of the source does not remove them). ` +
        "Excerpts are located in the source's text: 422 names any that is missing or ambiguous. An id already in use is a 409. " +
        "A statement whose speaker and words are those of a statement already known is that statement: the source's claims are " +
        "added to it, and the answer is 200 with it (and its Location) instead of 201.",
      body: options.input.extend(SourceRefSchema),
      response: { 201: options.item, ...(kind === "statement" ? { 200: options.item } : {}) },
    },
    handler: async (request, reply) => {
      const { sourceId, ...fact } = request.body as { sourceId: string } & Record<string, unknown>;
      const parts = takeApart({ actors: [], statements: [], sanctions: [], attackEvents: [], [options.bundleList]: [fact] } as Bundle);
      for (const part of [...parts.facts, ...parts.claims]) part.path = part.path.replace(/^\w+\[0\]\.?/, "");
      const summary = await transaction((tx) => createFact(tx, kind, parts, sourceId, changeContext(request, null)));
      // A quote already known (same speaker, same words) is that statement: its claims went to it.
      const matched = summary.matched.find((match) => match.id === fact.id);
      const id = matched?.matchedId ?? String(fact.id);
      reply.code(matched ? 200 : 201).header("location", `/v1/${collection}/${encodeURIComponent(id)}`);
      return sendWholeFact(reply, await itemResponse(id), address(id)) as never;
    },
  });

  app.patch(`/${collection}/:id`, {
    config: { scope: "write" },
    schema: {
      operationId: `update${options.operationName}`,
      tags: [options.tag],
      summary: `Change a ${noun}'s descriptive fields`,
      description:
        "Changes fields that are not claims (figures and times are changed through claims). Send `If-Match` with the ETag you read " +
        "to be told (412) when someone changed it since. Writes a revision.",
      params: IdParamsSchema,
      headers: IfMatchHeaderSchema,
      body: options.patch,
      response: { 200: options.item },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      await transaction(async (tx) => {
        await lockFact(tx, kind, id, request.headers["if-match"]);
        await patchFact(tx, kind, id, patchColumns(request.body as Record<string, unknown>), changeContext(request));
      });
      return sendWholeFact(reply, await itemResponse(id), address(id)) as never;
    },
  });

  app.delete(`/${collection}/:id`, {
    config: { scope: "write" },
    schema: {
      operationId: `delete${options.operationName}`,
      tags: [options.tag],
      summary: `Delete a ${noun}`,
      description:
        "Leaves a tombstone: the fact leaves lists, its detail answers 410, its history stays. `If-Match` guards against deleting a version you have not seen (412).",
      params: IdParamsSchema,
      headers: IfMatchHeaderSchema,
      response: { 204: z.null().describe("Deleted") },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      await transaction(async (tx) => {
        await lockFact(tx, kind, id, request.headers["if-match"]);
        await deleteFact(tx, kind, id, changeContext(request));
      });
      return reply.code(204).send(null);
    },
  });

  app.get(`/${collection}/:id/revisions`, {
    schema: {
      operationId: `list${options.operationName}Revisions`,
      tags: [options.tag],
      summary: `Every change to a ${noun}`,
      description: "Which key made each change, when, and which fields changed; deletions and merges included.",
      params: IdParamsSchema,
      response: { 200: RevisionListSchema },
    },
    handler: async (request) => {
      const revisions = await listRevisions(options.sql, kind, request.params.id);
      if (!revisions) throw notFound(`No ${noun} has the id "${request.params.id}".`);
      return { data: revisions } as never;
    },
  });

  app.post(`/${collection}/:id/claims`, {
    config: { scope: "write" },
    schema: {
      operationId: `add${options.operationName}Claim`,
      tags: [options.tag],
      summary: `Add a source's claim to a ${noun}`,
      description:
        "What one source says about one field, with its excerpts, beside what other sources say. A second claim of the same " +
        "source about the same field (and value, for sets) replaces the first.",
      params: IdParamsSchema,
      body: ClaimInputSchema,
      response: { 201: ClaimRecordSchema },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const spec = claimSpecOf(kind, id, request.body);
      const claimId = await transaction(async (tx) => {
        await lockFact(tx, kind, id, undefined);
        return addClaim(tx, spec, request.body.sourceId, changeContext(request));
      });
      reply.code(201).header("location", `/v1/claims/${claimId}`);
      return claimRecord((await findClaim(options.sql, claimId))!) as never;
    },
  });
};
