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
  const text = jsonOf(value);
  return text === '{}'
    ? `{"id":${JSON.stringify(id)}}`
    : `{"id":${JSON.stringify(id)},${text.slice(1)}`;
}

// Most of a determination's bytes are the policy's own words (reasons, notices, citations, the
// policy reference): compiled objects shared by every decision that cites them. Once such an
// object is deep-frozen its JSON can never change, so its text is kept and spliced in, instead
// of being escaped again for every answer. Whether a subtree is deep-frozen is found out while
// writing it, so nothing mutable is ever cached, whoever built it. Only what deepFreeze froze
// (the compiled policies) is remembered: an object an answer froze for itself dies with the
// answer, and each such key would only make the collector's work on the WeakMap larger.
const frozenText = new WeakMap<object, string>();

/** Whether the subtree just written can be cached: deep-frozen by deepFreeze, data only. */
let writtenFrozen = false;

/** Thrown inside the walk for anything but plain data: the whole value goes to JSON.stringify. */
const NOT_PLAIN = Symbol('not plain JSON data');

// A key of printable ASCII without a quote or backslash is its own JSON text, quoted.
const PLAIN_KEY = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Exactly `JSON.stringify(value)` (no replacer, no indent), faster for values that share
 * deep-frozen parts. Anything other than plain objects, arrays and primitives (a Date, a class
 * instance, an object with toJSON, a BigInt) is left to JSON.stringify itself.
 */
export function stringifyJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  try {
    return writeObject(value);
  } catch {
    // Not plain data, or a cycle or a throwing getter: JSON.stringify's answer or its own error.
    return JSON.stringify(value);
  }
}

function writeObject(value: object): string {
  const frozen = Object.isFrozen(value);
  if (frozen) {
    const known = frozenText.get(value);
    if (known !== undefined) {
      writtenFrozen = true;
      return known;
    }
  }
  if ('toJSON' in value) throw NOT_PLAIN;
  let text: string;
  let deep: boolean;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
    deep = true;
    text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      const item: unknown = value[i];
      const t = writeValue(item);
      deep = deep && writtenFrozen;
      // In an array, what JSON cannot hold (undefined, a function, a symbol) is written null.
      text += t === undefined ? 'null' : t;
    }
    text += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
    deep = true;
    text = '{';
    let first = true;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const t = writeValue((value as Record<string, unknown>)[key]);
      deep = deep && writtenFrozen;
      if (t === undefined) continue;
      if (!first) text += ',';
      first = false;
      text += PLAIN_KEY.test(key) ? `"${key}":` : `${JSON.stringify(key)}:`;
      text += t;
    }
    text += '}';
  }
  writtenFrozen = deep && frozen && frozenByDeepFreeze(value) && onlyDataProperties(value);
  if (writtenFrozen) frozenText.set(value, text);
  return text;
}

/** A value's JSON text, or undefined where JSON.stringify leaves the property out. */
function writeValue(v: unknown): string | undefined {
  writtenFrozen = true;
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'object':
      return v === null ? 'null' : writeObject(v);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      throw NOT_PLAIN; // a BigInt: JSON.stringify's own error
  }
}

/** No getter whose answer could change between two answers: checked once, before caching. */
function onlyDataProperties(value: object): boolean {
  for (const d of Object.values(Object.getOwnPropertyDescriptors(value))) {
    if (d.get !== undefined || d.set !== undefined) return false;
  }
  return true;
}
