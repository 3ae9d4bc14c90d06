// The run's summary: counts by payer, outcome, basis, policy and the reasons that decided.
// Rows are tallied under one compound key each (one Map update per line on the hot path); the
// breakdowns are expanded once at the end. Tallies from worker threads merge by addition.

const SEP = '\u0001';

export interface Tally {
  counts: Map<string, number>;
  /**
   * Deciding rule key → an example of its reason text. Some texts name the request (the
   * product, the diagnoses); the smallest is kept, so the summary does not depend on the order
   * in which threads saw the lines.
   */
  texts: Map<string, string>;
}

export function newTally(): Tally {
  return { counts: new Map(), texts: new Map() };
}

/** What a decided line is tallied under: one entry per distinct decision. */
export interface DecidedKey {
  payer: string;
  outcome: string;
  basis: string | undefined;
  /** For out-of-scope: which kind of non-answer. */
  outOfScopeReason: string | undefined;
  priorAuth: string;
  /** The deciding policy version. */
  ref: { id: string; version: string } | undefined;
  /** The deciding rule. */
  rule: string | undefined;
  /** Its reason text, when that is worth repeating in a summary. */
  text: string | undefined;
}

export function countDecided(t: Tally, d: DecidedKey, count = 1): void {
  const policy = d.ref?.id ?? '';
  const rule = d.rule ?? '';
  const key = `d${SEP}${d.payer}${SEP}${d.outcome}${SEP}${d.basis ?? ''}${SEP}${d.priorAuth}${SEP}${policy}${SEP}${d.ref?.version ?? ''}${SEP}${rule}${SEP}${d.outOfScopeReason ?? ''}`;
  const n = t.counts.get(key);
  if (n === undefined) {
    t.counts.set(key, count);
    if (d.text !== undefined) keepText(t, `${policy}${SEP}${rule}`, d.text);
  } else t.counts.set(key, n + count);
}

export function countError(t: Tally, code: string): void {
  const key = `e${SEP}${code}`;
  t.counts.set(key, (t.counts.get(key) ?? 0) + 1);
}

/** A changed line in --diff-versions mode: payer and the outcome before and after. */
export function countChange(t: Tally, payer: string, from: string, to: string): void {
  const key = `c${SEP}${payer}${SEP}${from}${SEP}${to}`;
  t.counts.set(key, (t.counts.get(key) ?? 0) + 1);
}

export function countUnchanged(t: Tally): void {
  t.counts.set('u', (t.counts.get('u') ?? 0) + 1);
}

export interface PlainTally {
  counts: [string, number][];
  texts: [string, string][];
}

export function toPlain(t: Tally): PlainTally {
  return { counts: [...t.counts], texts: [...t.texts] };
}

export function mergeTally(into: Tally, from: Tally | PlainTally): void {
  for (const [k, n] of from.counts) into.counts.set(k, (into.counts.get(k) ?? 0) + n);
  for (const [k, s] of from.texts) keepText(into, k, s);
}

function keepText(t: Tally, key: string, text: string): void {
  const had = t.texts.get(key);
  if (had === undefined || text < had) t.texts.set(key, text);
}

interface ReasonCountV1 {
  policy: string | null;
  rule: string | null;
  text: string | null;
  count: number;
}

export interface ScreenSummaryV1 {
  lines: number;
  decided: number;
  errors: number;
  byOutcome: Record<string, number>;
  byBasis: Record<string, number>;
  /** Out-of-scope lines by which kind of non-answer they are. */
  byOutOfScopeReason: Record<string, number>;
  byPriorAuth: Record<string, number>;
  byPayer: Record<string, { lines: number; outcomes: Record<string, number> }>;
  byPolicy: Record<string, { lines: number; versions: Record<string, number> }>;
  topReasons: ReasonCountV1[];
  errorsByCode: Record<string, number>;
  /** Only with --diff-versions. */
  changes?: {
    changed: number;
    unchanged: number;
    byTransition: Record<string, number>;
    byPayer: Record<string, number>;
  };
}

const bump = (o: Record<string, number>, k: string, n: number) => {
  o[k] = (o[k] ?? 0) + n;
};

/** Expands a tally into the summary. Keys are sorted so equal runs give equal JSON. */
export function summarize(t: Tally, topN = 10): ScreenSummaryV1 {
  const s: ScreenSummaryV1 = {
    lines: 0,
    decided: 0,
    errors: 0,
    byOutcome: {},
    byBasis: {},
    byOutOfScopeReason: {},
    byPriorAuth: {},
    byPayer: {},
    byPolicy: {},
    topReasons: [],
    errorsByCode: {},
  };
  const reasons = new Map<string, number>();
  let changes: NonNullable<ScreenSummaryV1['changes']> | undefined;
  const keys = [...t.counts.keys()].sort();
  for (const key of keys) {
    const n = t.counts.get(key)!;
    const parts = key.split(SEP);
    switch (parts[0]) {
      case 'd': {
        const [, payer, outcome, basis, priorAuth, policy, version, rule, outOfScopeReason] =
          parts as [string, string, string, string, string, string, string, string, string];
        s.lines += n;
        s.decided += n;
        bump(s.byOutcome, outcome, n);
        if (basis) bump(s.byBasis, basis, n);
        if (outOfScopeReason) bump(s.byOutOfScopeReason, outOfScopeReason, n);
        bump(s.byPriorAuth, priorAuth, n);
        const p = (s.byPayer[payer] ??= { lines: 0, outcomes: {} });
        p.lines += n;
        bump(p.outcomes, outcome, n);
        const pol = (s.byPolicy[policy || '(none)'] ??= { lines: 0, versions: {} });
        pol.lines += n;
        bump(pol.versions, version || '(none)', n);
        const rk = `${policy}${SEP}${rule}`;
        reasons.set(rk, (reasons.get(rk) ?? 0) + n);
        break;
      }
      case 'e':
        s.lines += n;
        s.errors += n;
        bump(s.errorsByCode, parts[1]!, n);
        break;
      case 'c': {
        changes ??= { changed: 0, unchanged: 0, byTransition: {}, byPayer: {} };
        changes.changed += n;
        s.lines += n;
        s.decided += n;
        bump(changes.byTransition, `${parts[2]} -> ${parts[3]}`, n);
        bump(changes.byPayer, parts[1]!, n);
        break;
      }
      case 'u':
        changes ??= { changed: 0, unchanged: 0, byTransition: {}, byPayer: {} };
        changes.unchanged += n;
        s.lines += n;
        s.decided += n;
        break;
    }
  }
  s.topReasons = [...reasons]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, topN)
    .map(([rk, count]) => {
      const [policy, rule] = rk.split(SEP) as [string, string];
      return { policy: policy || null, rule: rule || null, text: t.texts.get(rk) ?? null, count };
    });
  if (changes) s.changes = changes;
  return s;
}
