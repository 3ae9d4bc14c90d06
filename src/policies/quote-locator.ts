/**
 * Finds a quote in a source document, ignoring differences in whitespace (PDF and HTML
 * extraction breaks lines and doubles spaces; the words themselves must match exactly).
 * No imports: the web UI bundles this file to highlight quotes the way the compiler checks them.
 */
export interface SourceText {
  path: string;
  normalized: string;
  /** For each character of `normalized`, the line it came from (1-based). */
  lineOf: Uint32Array;
  /** For each character of `normalized`, its offset in the original text. */
  offsetOf: Uint32Array;
}

export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// Indexed per UTF-16 unit, not per code point: every character /\s/ matches is a single unit,
// so a surrogate pair is never whitespace and its two units are copied like any others. Runs of
// text are copied as slices: building the string a character at a time cost tens of
// milliseconds on every start-up.
export function indexSource(path: string, text: string): SourceText {
  const lineOf = new Uint32Array(text.length);
  const offsetOf = new Uint32Array(text.length);
  const pieces: string[] = [];
  let n = 0;
  let line = 1;
  let pendingSpace = -1;
  let runStart = -1;
  for (let pos = 0; pos <= text.length; pos++) {
    const c = pos < text.length ? text.charCodeAt(pos) : 0x20;
    if (isSpace(c)) {
      if (runStart >= 0) {
        pieces.push(text.slice(runStart, pos));
        runStart = -1;
      }
      if (c === 0x0a) line++;
      if (n > 0 && pendingSpace < 0) pendingSpace = pos;
      continue;
    }
    if (pendingSpace >= 0) {
      pieces.push(' ');
      lineOf[n] = line;
      offsetOf[n++] = pendingSpace;
      pendingSpace = -1;
    }
    if (runStart < 0) runStart = pos;
    lineOf[n] = line;
    offsetOf[n++] = pos;
  }
  return {
    path,
    normalized: pieces.join(''),
    lineOf: lineOf.slice(0, n),
    offsetOf: offsetOf.slice(0, n),
  };
}

/** What /\s/ matches: ECMAScript WhiteSpace and LineTerminator. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * A quote that deliberately stops before its sentence or list item does ends with this mark; any
 * other quote must end where the source's sentence or item ends (see endsWhereSourceDoes).
 */
export const CONTINUES = '…';

/** The quote's own words, without the mark that it continues in the source. */
export function quotedWords(quote: string): string {
  return normalizeWhitespace(quote.endsWith(CONTINUES) ? quote.slice(0, -CONTINUES.length) : quote);
}

/** The line the quote starts on, or undefined when it is not in the source. */
export function locateQuote(source: SourceText, quote: string): number | undefined {
  const at = source.normalized.indexOf(quotedWords(quote));
  return at < 0 ? undefined : source.lineOf[at];
}

/**
 * Whether a quote found in the source ends where a sentence or list item of the source ends:
 * with its own closing punctuation, just before the source's, at a line break, or at the end of
 * the text. A quote cut short (by YAML reading ` #087` as a comment, say) is still a substring
 * of its source, so only this check notices the words it lost. Marked quotes pass.
 */
export function endsWhereSourceDoes(source: SourceText, quote: string): boolean {
  if (quote.endsWith(CONTINUES)) return true;
  const q = quotedWords(quote);
  const at = source.normalized.indexOf(q);
  if (at < 0 || q.length === 0) return true;
  const end = at + q.length;
  const text = source.normalized;
  if (end >= text.length) return true;
  if (/[.;:?!)\]"”’]/.test(q[q.length - 1]!)) return true;
  const next = text[end] === ' ' ? text[end + 1] : text[end];
  if (next !== undefined && /[.;:?!]/.test(next)) return true;
  // The whitespace after the quote spans a line break: the list item or table cell ends there.
  return text[end] === ' ' && source.lineOf[end] !== source.lineOf[end - 1];
}

/**
 * The quote's first occurrence as [start, end) offsets in the original text (the occurrence
 * whose line `locateQuote` reports), or undefined when it is empty or not in the source.
 */
export function locateRange(source: SourceText, quote: string): [number, number] | undefined {
  const q = quotedWords(quote);
  if (!q) return undefined;
  const at = source.normalized.indexOf(q);
  if (at < 0) return undefined;
  return [source.offsetOf[at]!, source.offsetOf[at + q.length - 1]! + 1];
}
