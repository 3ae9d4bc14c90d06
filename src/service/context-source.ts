import type { DecisionContext } from './load-context.js';

/**
 * Where a request gets its decision context. A published policy-set revision replaces the
 * context while the service runs, so a handler calls current() once, at its start, and uses that
 * one object throughout: a request never mixes two revisions.
 */
export interface ContextSource {
  current(): DecisionContext;
}

/** A context that a newly published revision replaces: one reference, swapped whole. */
export class SwappableContext implements ContextSource {
  #ctx: DecisionContext;

  constructor(ctx: DecisionContext) {
    this.#ctx = ctx;
  }

  current(): DecisionContext {
    return this.#ctx;
  }

  swap(ctx: DecisionContext): void {
    this.#ctx = ctx;
  }
}

/** The source of a context, or of a context that never changes (tests, one-shot commands). */
export function contextSource(ctx: DecisionContext | ContextSource): ContextSource {
  return 'current' in ctx ? ctx : { current: () => ctx };
}
