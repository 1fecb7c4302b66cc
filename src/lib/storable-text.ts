import { Readable } from "node:stream";
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
  // A loop, not recursion: a JSON body nested thousands deep is parsed fine, and must not overflow the
  // stack here (a 500). Each node links to its parent, so a path is only spelled out for a fault;
  // children are pushed in reverse so that fields are named in document order.
  interface Node { current: unknown; key?: string; parent?: Node }
  const pending: Node[] = [{ current: value }];
  while (pending.length > 0) {
    const node = pending.pop()!;
    const { current } = node;
    if (typeof current === "string") {
      const message = unstorableReason(current);
      if (message) errors.push({ field: [prefix, ...pathOf(node)].join("."), message });
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    // Only parsed JSON is walked: a body kept as a stream (a CSV upload) is checked where it is read.
    // (Query and params objects have prototypes of their own, so a stream is recognised as one.)
    if (current instanceof Readable || Buffer.isBuffer(current)) continue;
    const children: Node[] = Array.isArray(current)
      ? current.map((element, index) => ({ current: element, key: prefix === "query" ? undefined : String(index), parent: node }))
      : Object.entries(current).map(([key, element]) => ({ current: element, key, parent: node }));
    pending.push(...children.reverse());
  }
  // A parameter repeated with the same fault is named once.
  return errors.filter((error, index) => errors.findIndex((other) => other.field === error.field) === index);
}

function pathOf(node: { key?: string; parent?: { key?: string; parent?: unknown } }): string[] {
  const path: string[] = [];
  for (let at: typeof node | undefined = node; at; at = at.parent as typeof node | undefined) if (at.key !== undefined) path.unshift(at.key);
  return path;
}
