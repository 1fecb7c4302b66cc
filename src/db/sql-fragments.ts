// SQL expressions shared by the read queries that still build JSON in PostgreSQL (timelines,
// search); fact items are rendered at write time (projection.ts).

export const isoDate = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`;

export const isoTimestamp = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Database enums are SCREAMING_CASE; the API speaks lower snake_case. */
export const apiEnum = (column: string) => `lower(${column}::text)`;

export const factTimeJson = (dateColumn: string, precisionColumn: string, wordingColumn: string) =>
  `json_build_object('date', ${isoDate(dateColumn)}, 'precision', ${apiEnum(precisionColumn)}, 'wording', ${wordingColumn})`;

/** `{ id, name, type }` of the actor with id `idExpression`, or null. */
export const actorStubJson = (idExpression: string) =>
  `(SELECT json_build_object('id', a.id, 'name', a.name, 'type', ${apiEnum("a.type")})
      FROM actors a WHERE a.id = ${idExpression})`;
