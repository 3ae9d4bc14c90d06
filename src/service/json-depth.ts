/** Far deeper than any request of the contract, CDS Hooks or PAS needs (a PAS Bundle: about 12). */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether JSON text nests arrays and objects more than `max` levels deep. One pass over the
 * text, brackets inside strings ignored; the text need not be valid JSON (the parser says so).
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
