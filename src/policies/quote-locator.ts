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

export function indexSource(path: string, text: string): SourceText {
  let normalized = '';
  const lines: number[] = [];
  const offsets: number[] = [];
  let line = 1;
  let pendingSpace = -1;
  let pos = 0;
  for (const ch of text) {
    if (/\s/.test(ch)) {
      if (ch === '\n') line++;
      if (normalized.length > 0 && pendingSpace < 0) pendingSpace = pos;
      pos += ch.length;
      continue;
    }
    if (pendingSpace >= 0) {
      normalized += ' ';
      lines.push(line);
      offsets.push(pendingSpace);
      pendingSpace = -1;
    }
    normalized += ch;
    for (let i = 0; i < ch.length; i++) {
      lines.push(line);
      offsets.push(pos + i);
    }
    pos += ch.length;
  }
  return {
    path,
    normalized,
    lineOf: Uint32Array.from(lines),
    offsetOf: Uint32Array.from(offsets),
  };
}

/** The line the quote starts on, or undefined when it is not in the source. */
export function locateQuote(source: SourceText, quote: string): number | undefined {
  const at = source.normalized.indexOf(normalizeWhitespace(quote));
  return at < 0 ? undefined : source.lineOf[at];
}

/**
 * The quote's first occurrence as [start, end) offsets in the original text (the occurrence
 * whose line `locateQuote` reports), or undefined when it is empty or not in the source.
 */
export function locateRange(source: SourceText, quote: string): [number, number] | undefined {
  const q = normalizeWhitespace(quote);
  if (!q) return undefined;
  const at = source.normalized.indexOf(q);
  if (at < 0) return undefined;
  return [source.offsetOf[at]!, source.offsetOf[at + q.length - 1]! + 1];
}
