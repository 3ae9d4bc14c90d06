// Short byte strings kept as little-endian 32-bit words and compared or stored four bytes at a
// time: the keys and vocabulary of a claim line, the codes it holds, the constant parts of a row.
// A byte at a time, matching keys alone was about a fifth of reading a line. Words are read and
// written through a DataView, little-endian, so they mean the same on any platform.

/** A view of the bytes of `b`. */
export const viewOf = (b: Uint8Array): DataView =>
  new DataView(b.buffer, b.byteOffset, b.byteLength);

/** How many words `n` bytes take. */
export const wordCount = (n: number): number => (n + 3) >> 2;

/** The last `n & 3` of the `n` bytes at `s`, as a zero-padded little-endian word (0 if none). */
function lastWord(b: Uint8Array, s: number, n: number): number {
  let w = 0;
  for (let x = n - 1; x >= (n & ~3); x--) w = (w << 8) | b[s + x]!;
  return w;
}

/** Stores the `n` bytes of `b` at `s` (viewed by `v`) as words from `words[o]`. */
export function storeWords(
  b: Uint8Array,
  v: DataView,
  s: number,
  n: number,
  words: Int32Array,
  o: number,
): void {
  const whole = n >> 2;
  for (let i = 0; i < whole; i++) words[o + i] = v.getInt32(s + i * 4, true);
  if (n & 3) words[o + whole] = lastWord(b, s, n);
}

/** Whether the `n` bytes of `b` at `s` (viewed by `v`) are those stored from `words[o]`. */
export function equalsWords(
  b: Uint8Array,
  v: DataView,
  s: number,
  n: number,
  words: Int32Array,
  o: number,
): boolean {
  const whole = n >> 2;
  for (let i = 0; i < whole; i++) if (v.getInt32(s + i * 4, true) !== words[o + i]) return false;
  return (n & 3) === 0 || lastWord(b, s, n) === words[o + whole];
}

/** `bytes` as words. */
export function wordsOf(bytes: Uint8Array): Int32Array {
  const words = new Int32Array(wordCount(bytes.length));
  storeWords(bytes, viewOf(bytes), 0, bytes.length, words, 0);
  return words;
}
