import { frozenByDeepFreeze } from '../model/deep-freeze.js';

/**
 * One serialization per object: the HTTP answer and the audit record carry the same bytes, and a
 * 2 KB determination is not stringified twice on the hot path.
 */
const cache = new WeakMap<object, string>();

export function jsonOf(value: object): string {
  let text = cache.get(value);
  if (text === undefined) {
    text = stringifyJson(value);
    cache.set(value, text);
  }
  return text;
}

/** `{"id":…,` followed by the object's own fields: the id first, without copying the object. */
export function jsonWithId(id: string, value: object): string {
  // jsonOf's text is flat (one join), so this slice shares its characters instead of copying.
  const text = jsonOf(value);
  return text === '{}'
    ? `{"id":${JSON.stringify(id)}}`
    : `{"id":${JSON.stringify(id)},${text.slice(1)}`;
}

// Most of a determination's bytes are the policy's own words (reasons, notices, citations, the
// policy reference): compiled objects shared by every decision that cites them. Once such an
// object is deep-frozen its JSON can never change, so its text is kept and spliced in, instead
// of being escaped again for every answer. Only what deepFreeze froze (compiled policies and the
// engine's shared memos) is remembered, and only once its whole subtree is found to be frozen
// plain data: an object an answer froze for itself dies with the answer, and each such key would
// only make the collector's work on the WeakMap larger.
const frozenText = new WeakMap<object, string>();
/** In frozenText for a deep-frozen object whose text may change (a getter, a Map, a class). */
const NOT_FIXED = '';

/** Thrown inside the walk for anything but plain data: the whole value goes to JSON.stringify. */
const NOT_PLAIN = Symbol('not plain JSON data');

// A key of printable ASCII without a quote or backslash is its own JSON text, quoted. Keys are
// few (the determination's own, fact ids), so their text is kept; the bound is for odd input.
const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const keyTexts = new Map<string, string>();

function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = PLAIN_KEY.test(key) ? `"${key}":` : `${JSON.stringify(key)}:`;
    if (keyTexts.size >= 4096) keyTexts.clear();
    keyTexts.set(key, text);
  }
  return text;
}

/**
 * Exactly `JSON.stringify(value)` (no replacer, no indent), faster for values that share
 * deep-frozen parts. Anything other than plain objects, arrays and primitives (a Date, a class
 * instance, an object with toJSON, a BigInt) is left to JSON.stringify itself. The pieces are
 * joined once, so the text is flat: writing it to a socket or a query copies it once.
 */
export function stringifyJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const parts: string[] = [];
  try {
    writeObject(value, parts);
  } catch {
    // Not plain data, or a cycle or a throwing getter: JSON.stringify's answer or its own error.
    return JSON.stringify(value);
  }
  return parts.join('');
}

function writeObject(value: object, out: string[]): void {
  if (Object.isFrozen(value) && frozenByDeepFreeze(value)) {
    const text = fixedText(value);
    if (text !== NOT_FIXED) {
      out.push(text);
      return;
    }
  }
  if (!plainData(value)) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      // In an array, what JSON cannot hold (undefined, a function, a symbol) is written null.
      if (!writeValue(value[i], out)) out.push('null');
    }
    out.push(']');
    return;
  }
  let open = true;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v: unknown = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out.push(open ? '{' : ',', keyText(key));
    open = false;
    writeValue(v, out);
  }
  out.push(open ? '{}' : '}');
}

/** Writes a value's JSON text; false where JSON.stringify leaves the property out. */
function writeValue(v: unknown, out: string[]): boolean {
  switch (typeof v) {
    case 'string':
    case 'number':
      out.push(JSON.stringify(v));
      return true;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return true;
    case 'object':
      if (v === null) out.push('null');
      else writeObject(v, out);
      return true;
    case 'undefined':
    case 'function':
    case 'symbol':
      return false;
    default:
      throw NOT_PLAIN; // a BigInt: JSON.stringify's own error
  }
}

/** A deep-frozen object's text, worked out the first time it is met; NOT_FIXED if it may change. */
function fixedText(value: object): string {
  let text = frozenText.get(value);
  if (text === undefined) {
    text = fixedData(value) ? JSON.stringify(value) : NOT_FIXED;
    frozenText.set(value, text);
  }
  return text;
}

/** Everything below is deep-frozen plain data: no getter, no toJSON, nothing mutable. */
function fixedData(value: object): boolean {
  if (!plainData(value)) return false;
  for (const d of Object.values(Object.getOwnPropertyDescriptors(value))) {
    if (d.get !== undefined || d.set !== undefined) return false;
    const v: unknown = d.value;
    if (typeof v === 'object' && v !== null) {
      if (!Object.isFrozen(v) || !frozenByDeepFreeze(v) || fixedText(v) === NOT_FIXED) return false;
    } else if (typeof v === 'bigint') return false;
  }
  return true;
}

/** A plain array or object without toJSON: what JSON.stringify writes by its own rules. */
function plainData(value: object): boolean {
  if ('toJSON' in value) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return Array.isArray(value)
    ? proto === Array.prototype
    : proto === Object.prototype || proto === null;
}
