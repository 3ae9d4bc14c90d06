/**
 * An empty array that V8 files with the arrays of objects and strings it stands in for. An empty
 * literal `[]` starts as an array of small integers, another hidden class: a site that meets both
 * it and a filled list turns polymorphic, and code optimized on the filled ones is thrown away the
 * first time the empty one arrives. Under bench:http, after warm-up, decide, evaluateVersionOf and
 * decidedReasons were deoptimized ("wrong map") where they read routes and statement lists, and
 * compiled again. Not frozen either: a frozen array is a third class.
 */
export function emptyList<T>(): T[] {
  const list: T[] = [undefined as T];
  // pop(), not `length = 0`: setting the length is a call into the runtime, about 40 ns, and
  // the reader makes two of these lists a line.
  list.pop();
  return list;
}

/**
 * The items that pass, in a list of emptyList's class whether or not any did. The engine's
 * statement lists came from Array.prototype.filter, the compiled set and the shared empty
 * constants; the code reading them still met new hidden classes after warm-up and was
 * deoptimized ("wrong map") and compiled again, about 110 ms of compiler time each, inside
 * bench:http's measured window. With the lists made here and by emptyList it no longer is.
 */
export function kept<T>(items: readonly T[], pass: (item: T) => boolean): readonly T[] {
  const out = emptyList<T>();
  for (let i = 0; i < items.length; i++) if (pass(items[i]!)) out.push(items[i]!);
  return out;
}

/**
 * The first `n` items of `items` in a list of emptyList's class, with room for those alone: the
 * common short lists are literals of their length. A list grown by push() from empty gets room
 * for 17 items at its first push, about 150 bytes where one code needs 8.
 */
export function listOf<T>(items: readonly T[], n: number): T[] {
  switch (n) {
    case 0:
      return emptyList();
    case 1:
      return [items[0]!];
    case 2:
      return [items[0]!, items[1]!];
    case 3:
      return [items[0]!, items[1]!, items[2]!];
    case 4:
      return [items[0]!, items[1]!, items[2]!, items[3]!];
    default: {
      const out = emptyList<T>();
      for (let i = 0; i < n; i++) out.push(items[i]!);
      return out;
    }
  }
}
