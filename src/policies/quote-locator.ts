/**
 * Finds a quote in a source document, ignoring differences in whitespace (PDF and HTML
 * extraction breaks lines and doubles spaces; the words themselves must match exactly).
 */
export interface SourceText {
  path: string;
  normalized: string;
  /** For each character of `normalized`, the line it came from (1-based). */
  lineOf: Uint32Array;
}

export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function indexSource(path: string, text: string): SourceText {
  let normalized = '';
  const lines: number[] = [];
  let line = 1;
  let pendingSpace = false;
  for (const ch of text) {
    if (/\s/.test(ch)) {
      if (ch === '\n') line++;
      if (normalized.length > 0) pendingSpace = true;
      continue;
    }
    if (pendingSpace) {
      normalized += ' ';
      lines.push(line);
      pendingSpace = false;
    }
    normalized += ch;
    for (let i = 0; i < ch.length; i++) lines.push(line);
  }
  return { path, normalized, lineOf: Uint32Array.from(lines) };
}

/** The line the quote starts on, or undefined when it is not in the source. */
export function locateQuote(source: SourceText, quote: string): number | undefined {
  const at = source.normalized.indexOf(normalizeWhitespace(quote));
  return at < 0 ? undefined : source.lineOf[at];
}
