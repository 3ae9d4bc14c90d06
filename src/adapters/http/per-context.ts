import type { DecisionContext } from '../../service/load-context.js';

/**
 * What a route derives from a decision context (an index, the coverage map), made once per
 * context: a published revision brings a new context, and the old one's views go with it.
 */
export function perContext<T>(make: (ctx: DecisionContext) => T): (ctx: DecisionContext) => T {
  const made = new WeakMap<DecisionContext, T>();
  return (ctx) => {
    let v = made.get(ctx);
    if (v === undefined) made.set(ctx, (v = make(ctx)));
    return v;
  };
}
