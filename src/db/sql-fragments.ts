// SQL expressions shared by the read repositories. JSON is built in PostgreSQL so that a page of
// items with their evidence and actor stubs costs one query, whatever the page size.

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

/** Stubs of the actors linked through `table` (`statement_subjects`…), ordered by name. */
export const actorStubsJson = (table: string, ownerColumn: string, ownerExpression: string) =>
  `(SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'type', ${apiEnum("a.type")})
                    ORDER BY a.name_key, a.id), '[]'::json)
      FROM ${table} link JOIN actors a ON a.id = link.actor_id
     WHERE link.${ownerColumn} = ${ownerExpression})`;

/** The evidence rows of one fact; `field` narrows them to the excerpts backing one field. */
export const evidenceJson = (subjectType: string, subjectIdExpression: string, field?: string) =>
  `(SELECT coalesce(json_agg(json_build_object('sourceId', e.source_id, 'excerpt', e.excerpt,
                                               'start', e.start, 'end', e."end", 'field', e.field)
                    ORDER BY e.position), '[]'::json)
      FROM evidence e
     WHERE e.subject_type = '${subjectType}' AND e.subject_id = ${subjectIdExpression}
       ${field ? `AND e.field = '${field}'` : ""})`;

/** A reported number with its qualifier and evidence, or null when the source gives none. */
export const reportedNumberJson = (
  subjectType: string,
  subjectIdExpression: string,
  valueColumn: string,
  qualifierColumn: string,
  field: string,
) =>
  `CASE WHEN ${valueColumn} IS NULL THEN NULL ELSE json_build_object(
     'value', ${valueColumn}, 'qualifier', ${apiEnum(qualifierColumn)},
     'evidence', ${evidenceJson(subjectType, subjectIdExpression, field)}) END`;
