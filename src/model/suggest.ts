// A batch of claim lines repeats the same mistakes: each (candidates, value) pair is worked out
// once. Bounded, so a file of random field names cannot grow it without limit.
const memo = new Map<string, Map<string, string | undefined>>();
const MEMO_LIMIT = 10_000;

/** The closest candidate to a mistyped value, for "did you mean …?" hints. */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  const set = candidates.join('\u0000');
  let known = memo.get(set);
  if (known === undefined) {
    if (memo.size >= 64) memo.clear();
    memo.set(set, (known = new Map()));
  }
  if (known.has(value)) return known.get(value);
  const found = closestUncached(value, candidates);
  if (known.size >= MEMO_LIMIT) known.clear();
  known.set(value, found);
  return found;
}

function closestUncached(value: string, candidates: readonly string[]): string | undefined {
  const v = value.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === v ? 0 : editDistance(v, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(value.length / 3))
    ? best
    : undefined;
}

/** Up to `n` candidates near a mistyped value, nearest first (the same threshold as closest). */
export function nearest(value: string, candidates: readonly string[], n = 3): string[] {
  const v = value.toLowerCase();
  const limit = Math.max(2, Math.floor(value.length / 3));
  return candidates
    .map((c) => ({ c, d: editDistance(v, c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d)
    .slice(0, n)
    .map((x) => x.c);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
