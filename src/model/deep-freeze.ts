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
 * Whether deepFreeze froze this object: a compiled part, or a part the engine built once and
 * keeps for later answers (a memo entry), shared and long-lived, as opposed to one an answer
 * froze for itself (which is garbage a moment later, and not worth remembering). The engine
 * freezes what it keeps with deepFreeze, not Object.freeze, so that answers reuse its JSON text.
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

/**
 * The keys under which a compiled policy holds what answers share with it: each value is
 * deep-frozen whole. Everything else is left as built, because V8 iterates a frozen array about
 * half as fast (Node 20), and the engine loops over the compiled lists on every decision.
 */
const SHARED_PART_KEYS: ReadonlySet<string> = new Set([
  'ref',
  'reasons',
  'notices',
  'referTo',
  'exclusionReasons',
  'priorAuthDefaultReasons',
  'changeReasons',
  'question',
  'citation',
]);

/**
 * Deep-freezes the parts of a compiled structure that determinations share (policy reference,
 * reasons, notices, referrals, questions), found by key anywhere inside it, Maps and Sets
 * included; the rest stays mutable-shaped for speed (see SHARED_PART_KEYS). No adapter can then
 * alter a policy by editing an answer, and the serializer may reuse those parts' text.
 */
export function freezeSharedParts<T>(value: T): T {
  walk(value, new Set());
  return value;
}

function walk(value: unknown, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const v of value.values()) walk(v, seen);
    return;
  }
  if (value instanceof Set) {
    for (const v of value) walk(v, seen);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) walk(v, seen);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return;
  for (const [k, v] of Object.entries(value)) {
    if (SHARED_PART_KEYS.has(k)) deepFreeze(v);
    else walk(v, seen);
  }
}
