/** A route's hooks of one kind as a list (Fastify takes one hook, a list, or none), to add to in onRoute. */
export function hookList<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}
