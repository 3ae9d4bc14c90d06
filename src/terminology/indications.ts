import type { IndicationValueSetFile } from '../model/policy.js';
import { displayIcd10cm } from './code-format.js';
import type { CodeSystem } from './code-system.js';
import { releaseForFiscalYear } from './cms-order-file.js';

export interface IndicationFamily {
  id: string;
  label: string;
  parent?: string;
  rationale: string;
}

export interface IndicationMatch {
  family: string;
  /** The value-set entry that matched, as written ("G90.5"). */
  entry: string;
  rationale: string;
}

/**
 * A code under an entry that is divided between families (G43 migraine, its G43.7 chronic
 * migraine in another family) whose branch below that entry the value sets were never reviewed
 * against: new since the release they name, or not in the code set at all. Which family it
 * belongs to is the analyst's call, so it is named rather than guessed.
 */
export interface AmbiguousPlacement {
  code: string;
  /** The divided entry, as written ("G43"), and the family it gives. */
  entry: string;
  broaderFamily: string;
  /** The families of the other entries beneath it. */
  otherFamilies: string[];
  /** The branch below the entry (normalized), and the date it first held, if known. */
  branch: string | undefined;
  branchFrom: string | undefined;
  reviewedAgainst: string | undefined;
}

export interface IndicationIndex {
  families: ReadonlyMap<string, IndicationFamily>;
  /** The ICD-10-CM release the value sets were last reviewed against (FY2026), if stated. */
  reviewedAgainst: string | undefined;
  /**
   * The family and entry a normalized ICD-10-CM code (no dot) falls in: the nearest of its
   * ancestors (in ICD-10-CM, a code's ancestors are its prefixes) that an entry names. Undefined
   * when none does, or when its place is ambiguous (see `ambiguity`).
   */
  classify(code: string): IndicationMatch | undefined;
  /** Why a code is not classified although an entry is one of its ancestors. */
  ambiguity(code: string): AmbiguousPlacement | undefined;
  /** Every entry: normalized prefix → the family and entry as written. */
  entries: ReadonlyMap<string, IndicationMatch>;
  /** The family itself and all its ancestors. */
  lineage(family: string): ReadonlySet<string>;
  /** The family and all its descendants. */
  descendants(family: string): ReadonlySet<string>;
}

/** "F20-F29" → F20 … F29; "G90.5" → G905. */
function expandMatch(match: string): string[] {
  const range = /^([A-Z])(\d\d)-([A-Z])(\d\d)$/.exec(match);
  if (range) {
    const [, l1, a, l2, b] = range;
    if (l1 !== l2) throw new Error(`range ${match} must stay within one letter`);
    const out: string[] = [];
    for (let n = Number(a); n <= Number(b); n++) out.push(`${l1}${String(n).padStart(2, '0')}`);
    if (out.length === 0) throw new Error(`range ${match} is empty`);
    return out;
  }
  if (!/^[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(\.[0-9A-Z]{1,4})?$/.test(match)) {
    throw new Error(`"${match}" is neither an ICD-10-CM code or prefix nor a category range`);
  }
  return [match.replace('.', '')];
}

/**
 * `icd10cm` gives the hierarchy and each code's history, for telling a code's place; without it
 * (value sets checked on their own) every code is placed by its nearest named ancestor.
 */
export function compileIndications(
  file: IndicationValueSetFile,
  icd10cm?: CodeSystem,
): IndicationIndex {
  const families = new Map<string, IndicationFamily>();
  const prefixes = new Map<string, IndicationMatch>();
  for (const f of file.families) {
    if (families.has(f.id)) throw new Error(`indication family "${f.id}" is defined twice`);
    families.set(f.id, {
      id: f.id,
      label: f.label,
      rationale: f.rationale,
      ...(f.parent ? { parent: f.parent } : {}),
    });
    for (const c of f.codes ?? []) {
      for (const prefix of expandMatch(c.match)) {
        const clash = prefixes.get(prefix);
        if (clash)
          throw new Error(`${c.match} (${f.id}) is already in ${clash.family} as ${clash.entry}`);
        prefixes.set(prefix, { family: f.id, entry: c.match, rationale: c.rationale });
      }
    }
  }
  const lineage = new Map<string, Set<string>>();
  const descendants = new Map<string, Set<string>>();
  for (const f of families.values()) {
    const chain = new Set<string>();
    for (
      let cur: IndicationFamily | undefined = f;
      cur;
      cur = cur.parent ? families.get(cur.parent) : undefined
    ) {
      if (chain.has(cur.id)) throw new Error(`indication family "${f.id}" has a cycle of parents`);
      if (cur.parent && !families.has(cur.parent))
        throw new Error(`indication family "${cur.id}" has unknown parent "${cur.parent}"`);
      chain.add(cur.id);
    }
    lineage.set(f.id, chain);
    for (const ancestor of chain) {
      let d = descendants.get(ancestor);
      if (!d) descendants.set(ancestor, (d = new Set()));
      d.add(f.id);
    }
  }
  // An entry is divided when another family's entry lies beneath it.
  const divided = new Map<string, string[]>();
  for (const [prefix, m] of prefixes) {
    for (let len = prefix.length - 1; len >= 3; len--) {
      const above = prefixes.get(prefix.slice(0, len));
      if (above && above.family !== m.family) {
        const others = divided.get(prefix.slice(0, len)) ?? [];
        if (!others.includes(m.family)) others.push(m.family);
        divided.set(prefix.slice(0, len), others);
      }
    }
  }
  const reviewedAgainst = file.reviewedAgainst;
  const reviewedFrom = reviewedAgainst ? reviewedRelease(reviewedAgainst).effectiveFrom : undefined;

  const placeOf = (
    code: string,
  ): { match: IndicationMatch; ambiguous?: AmbiguousPlacement } | undefined => {
    for (let len = code.length; len >= 3; len--) {
      const match = prefixes.get(code.slice(0, len));
      if (!match) continue;
      const others = divided.get(code.slice(0, len));
      if (!others || len === code.length || !icd10cm) return { match };
      // The branch below the divided entry: the shortest longer prefix the code set holds.
      let branch: string | undefined;
      for (let b = len + 1; b <= code.length && !branch; b++) {
        if (icd10cm.get(code.slice(0, b))) branch = code.slice(0, b);
      }
      const branchFrom = branch ? icd10cm.get(branch)!.windows[0]?.from : undefined;
      const unreviewed =
        !branch ||
        (reviewedFrom !== undefined && branchFrom !== undefined && branchFrom > reviewedFrom);
      if (!unreviewed) return { match };
      return {
        match,
        ambiguous: {
          code,
          entry: match.entry,
          broaderFamily: match.family,
          otherFamilies: others,
          branch,
          branchFrom,
          reviewedAgainst,
        },
      };
    }
    return undefined;
  };
  const cache = new Map<string, ReturnType<typeof placeOf> | null>();
  const place = (code: string) => {
    const hit = cache.get(code);
    if (hit !== undefined) return hit ?? undefined;
    const found = placeOf(code);
    if (cache.size < 100_000) cache.set(code, found ?? null);
    return found;
  };
  const empty: ReadonlySet<string> = new Set();
  return {
    families,
    reviewedAgainst,
    entries: prefixes,
    classify(code) {
      const p = place(code);
      return p && !p.ambiguous ? p.match : undefined;
    },
    ambiguity: (code) => place(code)?.ambiguous,
    lineage: (family) => lineage.get(family) ?? empty,
    descendants: (family) => descendants.get(family) ?? empty,
  };
}

function reviewedRelease(tag: string) {
  const m = /^FY(\d{4})(-04)?$/.exec(tag);
  if (!m)
    throw new Error(
      `reviewedAgainst: "${tag}" is not an ICD-10-CM release (FY2026, or FY2023-04 for an April update)`,
    );
  return releaseForFiscalYear(Number(m[1]), m[2] !== undefined);
}

/** The ambiguity in words, for a warning. */
export function describeAmbiguity(a: AmbiguousPlacement): string {
  const where = a.branch
    ? `${displayIcd10cm(a.branch)} (in ICD-10-CM from ${a.branchFrom}) is a branch of ${a.entry} the value sets were not reviewed against${a.reviewedAgainst ? ` (reviewed against ${a.reviewedAgainst})` : ''}`
    : `${displayIcd10cm(a.code)} is not in the loaded code set, so its branch of ${a.entry} is unknown`;
  return `ICD-10-CM ${displayIcd10cm(a.code)} is under ${a.entry} (${a.broaderFamily}), which the value sets divide with ${a.otherFamilies.join(', ')}; ${where}. It is not placed in any family until an analyst places it (policies/valuesets/indications.yaml)`;
}
