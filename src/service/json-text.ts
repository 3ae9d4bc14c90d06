/**
 * One serialization per object: the HTTP answer and the audit record carry the same bytes, and a
 * 2 KB determination is not stringified twice on the hot path.
 */
const cache = new WeakMap<object, string>();

export function jsonOf(value: object): string {
  let text = cache.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
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
