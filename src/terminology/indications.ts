import type { IndicationValueSetFile } from '../model/policy.js';

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

export interface IndicationIndex {
  families: ReadonlyMap<string, IndicationFamily>;
  /** The family and entry a normalized ICD-10-CM code (no dot) falls in, if any. */
  classify(code: string): IndicationMatch | undefined;
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
  if (!/^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/.test(match)) {
    throw new Error(`"${match}" is neither an ICD-10-CM code or prefix nor a category range`);
  }
  return [match.replace('.', '')];
}

export function compileIndications(file: IndicationValueSetFile): IndicationIndex {
  const families = new Map<string, IndicationFamily>();
  const prefixes = new Map<string, IndicationMatch>();
  for (const f of file.families) {
    if (families.has(f.id)) throw new Error(`indication family "${f.id}" is defined twice`);
    families.set(f.id, { id: f.id, label: f.label, rationale: f.rationale, ...(f.parent ? { parent: f.parent } : {}) });
    for (const c of f.codes ?? []) {
      for (const prefix of expandMatch(c.match)) {
        const clash = prefixes.get(prefix);
        if (clash) throw new Error(`${c.match} (${f.id}) is already in ${clash.family} as ${clash.entry}`);
        prefixes.set(prefix, { family: f.id, entry: c.match, rationale: c.rationale });
      }
    }
  }
  const lineage = new Map<string, Set<string>>();
  const descendants = new Map<string, Set<string>>();
  for (const f of families.values()) {
    const chain = new Set<string>();
    for (let cur: IndicationFamily | undefined = f; cur; cur = cur.parent ? families.get(cur.parent) : undefined) {
      if (chain.has(cur.id)) throw new Error(`indication family "${f.id}" has a cycle of parents`);
      if (cur.parent && !families.has(cur.parent)) throw new Error(`indication family "${cur.id}" has unknown parent "${cur.parent}"`);
      chain.add(cur.id);
    }
    lineage.set(f.id, chain);
    for (const ancestor of chain) {
      let d = descendants.get(ancestor);
      if (!d) descendants.set(ancestor, (d = new Set()));
      d.add(f.id);
    }
  }
  const cache = new Map<string, IndicationMatch | null>();
  const empty: ReadonlySet<string> = new Set();
  return {
    families,
    classify(code) {
      const hit = cache.get(code);
      if (hit !== undefined) return hit ?? undefined;
      let found: IndicationMatch | undefined;
      for (let len = code.length; len >= 3 && !found; len--) found = prefixes.get(code.slice(0, len));
      if (cache.size < 100_000) cache.set(code, found ?? null);
      return found;
    },
    lineage: (family) => lineage.get(family) ?? empty,
    descendants: (family) => descendants.get(family) ?? empty,
  };
}
