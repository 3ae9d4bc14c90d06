/**
 * Freezes a compiled structure's plain objects and arrays all the way down, and looks inside
 * Maps and Sets without freezing them (a memo kept in one stays usable). Nothing else is frozen:
 * a frozen RegExp cannot run a global match, and a typed array cannot be frozen at all.
 *
 * Why: a determination shares the compiled policy's objects (reasons, notices, citations, the
 * policy reference). Once they can never change, their JSON text is written once and reused in
 * every answer (src/service/json-text.ts), and no adapter can alter a policy by editing an answer.
 */
const frozenHere = new WeakSet<object>();

/**
 * Whether deepFreeze froze this object: a compiled part, shared and long-lived, as opposed to
 * one an answer froze for itself (which is garbage a moment later, and not worth remembering).
 */
export function frozenByDeepFreeze(value: object): boolean {
  return frozenHere.has(value);
}

export function deepFreeze<T>(value: T): T {
  freeze(value, new Set());
  return value;
}

function freeze(value: unknown, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      freeze(k, seen);
      freeze(v, seen);
    }
    return;
  }
  if (value instanceof Set) {
    for (const v of value) freeze(v, seen);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return;
  for (const v of Object.values(value)) freeze(v, seen);
  Object.freeze(value);
  frozenHere.add(value);
}
