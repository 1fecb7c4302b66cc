import type { FieldError } from "./problem.ts";

// PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), and a lone
// UTF-16 surrogate has no UTF-8 form: JSON parameters carry it as `\ud800`, which jsonb refuses.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL cannot take `value` as text, or undefined when it can. */
export function unstorableReason(value: string): string | undefined {
  if (NUL.test(value)) return "Contains a NUL byte (U+0000), which text cannot hold";
  if (LONE_SURROGATE.test(value)) return "Contains a lone UTF-16 surrogate, which is not a Unicode character";
  return undefined;
}

/**
 * Every string in a request part that PostgreSQL could not store, named as clients know the field:
 * `query.q` (a repeated parameter is one field), `params.id`, `body.statements.0.text`.
 */
export function unstorableFields(prefix: "query" | "params" | "body", value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (current: unknown, path: string[]) => {
    if (typeof current === "string") {
      const message = unstorableReason(current);
      if (message) errors.push({ field: [prefix, ...path].join("."), message });
      return;
    }
    if (current === null || typeof current !== "object") return;
    if (Array.isArray(current)) {
      current.forEach((element, index) => visit(element, prefix === "query" ? path : [...path, String(index)]));
      return;
    }
    for (const [key, element] of Object.entries(current)) visit(element, [...path, key]);
  };
  visit(value, []);
  // A parameter repeated with the same fault is named once.
  return errors.filter((error, index) => errors.findIndex((other) => other.field === error.field) === index);
}
