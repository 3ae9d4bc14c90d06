// Cuts a source document into plain and highlighted pieces, given each cited quote's range
// (found by the policy compiler's own quote locator: whitespace differences ignored, words exact).

export interface Piece {
  text: string;
  /** Keys of the citations covering this piece; empty for plain text. */
  cites: string[];
  /** Keys of the citations that start here (the piece carries their anchor). */
  starts: string[];
}

export function pieces(text: string, ranges: Map<string, [number, number]>): Piece[] {
  const cuts = new Set([0, text.length]);
  for (const [s, e] of ranges.values()) cuts.add(s).add(e);
  const points = [...cuts].sort((a, b) => a - b);
  const out: Piece[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const s = points[i]!;
    const e = points[i + 1]!;
    const cites: string[] = [];
    const starts: string[] = [];
    for (const [k, [rs, re]] of ranges) {
      if (rs <= s && e <= re) cites.push(k);
      if (rs === s) starts.push(k);
    }
    const prev = out[out.length - 1];
    if (prev && cites.length === 0 && prev.cites.length === 0) prev.text += text.slice(s, e);
    else out.push({ text: text.slice(s, e), cites, starts });
  }
  return out;
}
