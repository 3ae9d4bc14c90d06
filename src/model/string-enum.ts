import { Type, type TUnsafe } from '@sinclair/typebox';

/** A closed set of strings as a plain JSON Schema `enum`, typed as the union of its values. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
