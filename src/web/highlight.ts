// Finds cited quotes in a source document the way the policy compiler checks them (whitespace
// differences ignored, words exact) and cuts the text into plain and highlighted pieces.

export interface Cite {
  key: string;
  quote: string;
  line?: number;
}

export interface Piece {
  text: string;
  /** Keys of the citations covering this piece; empty for plain text. */
  cites: string[];
  /** Keys of the citations that start here (the piece carries their anchor). */
  starts: string[];
}

interface Indexed {
  normalized: string;
  /** Original offset of each normalized character. */
  origin: number[];
  lineStarts: number[];
}

function index(text: string): Indexed {
  let normalized = '';
  const origin: number[] = [];
  let pendingSpace = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (normalized.length > 0 && pendingSpace < 0) pendingSpace = i;
      continue;
    }
    if (pendingSpace >= 0) {
      normalized += ' ';
      origin.push(pendingSpace);
      pendingSpace = -1;
    }
    normalized += ch;
    origin.push(i);
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  return { normalized, origin, lineStarts };
}

const lineAt = (starts: number[], offset: number): number => {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
};

export const normalizeWhitespace = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Each quote's [start, end) in the original text, nearest its cited line; unfound quotes omitted. */
export function locate(text: string, cites: Cite[]): Map<string, [number, number]> {
  const ix = index(text);
  const out = new Map<string, [number, number]>();
  for (const c of cites) {
    const q = normalizeWhitespace(c.quote);
    if (!q) continue;
    let best: [number, number] | undefined;
    let bestDist = Infinity;
    for (let at = ix.normalized.indexOf(q); at >= 0; at = ix.normalized.indexOf(q, at + 1)) {
      const start = ix.origin[at]!;
      const end = ix.origin[at + q.length - 1]! + 1;
      const dist = c.line ? Math.abs(lineAt(ix.lineStarts, start) - c.line) : 0;
      if (dist < bestDist) {
        best = [start, end];
        bestDist = dist;
      }
      if (dist === 0) break;
    }
    if (best) out.set(c.key, best);
  }
  return out;
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
