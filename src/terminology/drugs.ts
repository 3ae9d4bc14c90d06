import type { DrugCatalogFile } from '../model/policy.js';

export interface Drug {
  id: string;
  label: string;
  classes: readonly string[];
  rxnorm?: string;
}

export interface DrugCatalog {
  drugs: ReadonlyMap<string, Drug>;
  /**
   * The drug a request's free-text name means: generic name, synonym, salt form or brand, in any
   * case and spacing, with a trailing dosage form ("injection") ignored.
   */
  resolve(name: string): Drug | undefined;
  /** Every name the catalog answers to, as written there: for "did you mean" hints. */
  names: readonly string[];
  classes: ReadonlySet<string>;
  /** The drug an RxNorm ingredient code (RXCUI) names, for FHIR orders. */
  byRxnorm(code: string): Drug | undefined;
}

export function compileDrugs(file: DrugCatalogFile): DrugCatalog {
  const drugs = new Map<string, Drug>();
  const byName = new Map<string, Drug>();
  const names: string[] = [];
  const classes = new Set<string>();
  const byRxnorm = new Map<string, Drug>();
  const normalize = nameNormalizer(file);
  const claim = (name: string, drug: Drug) => {
    const key = normalize(name);
    const had = byName.get(key);
    if (had && had !== drug) throw new Error(`drug name "${name}" is claimed twice`);
    if (had) return;
    byName.set(key, drug);
    names.push(name);
  };
  for (const d of file.drugs) {
    const drug: Drug = {
      id: d.id,
      label: d.label,
      classes: d.classes,
      ...(d.rxnorm ? { rxnorm: d.rxnorm } : {}),
    };
    if (drugs.has(d.id)) throw new Error(`drug "${d.id}" is defined twice`);
    drugs.set(d.id, drug);
    const generic = [d.id, d.label.toLowerCase(), ...(d.synonyms ?? [])];
    for (const name of generic) claim(name, drug);
    for (const salt of d.salts ?? []) for (const name of generic) claim(`${name} ${salt}`, drug);
    for (const brand of d.brands ?? []) claim(brand, drug);
    if (d.rxnorm) {
      if (byRxnorm.has(d.rxnorm)) throw new Error(`RxNorm code "${d.rxnorm}" is claimed twice`);
      byRxnorm.set(d.rxnorm, drug);
    }
    d.classes.forEach((c) => classes.add(c));
  }
  // Requests usually spell the name as the catalog does: try it as given before normalizing.
  // Other spellings repeat across a batch ("Ketamine HCl" on every line of a claim file): each
  // is normalized once, in a bounded table.
  const spelled = new Map<string, Drug | null>();
  const resolve = (name: string): Drug | undefined => {
    const exact = byName.get(name);
    if (exact) return exact;
    let d = spelled.get(name);
    if (d === undefined) {
      d = byName.get(normalize(name)) ?? null;
      if (spelled.size >= 10_000) spelled.clear();
      spelled.set(name, d);
    }
    return d ?? undefined;
  };
  return {
    drugs,
    classes,
    names,
    resolve,
    byRxnorm: (code) => byRxnorm.get(code),
  };
}

/**
 * The key a name is matched by: lower case, one space between words, trademark signs and
 * punctuation around words dropped, salt abbreviations spelled out, trailing dosage-form words
 * dropped. The same function keys the catalog and reads requests, so they cannot disagree.
 */
function nameNormalizer(file: DrugCatalogFile): (name: string) => string {
  const abbreviations = new Map(
    Object.entries(file.saltAbbreviations ?? {}).map(([k, v]) => [
      k.toLowerCase(),
      v.toLowerCase(),
    ]),
  );
  const forms = (file.formWords ?? []).map((f) => f.toLowerCase().split(/\s+/));
  return (name) => {
    const words = name
      .toLowerCase()
      .replace(/[™®©]|\[tm\]|\(tm\)/g, ' ')
      .split(/[\s,;:()]+/)
      .map((w) => w.replace(/^[.]+|[.]+$/g, ''))
      .filter((w) => w !== '')
      .map((w) => abbreviations.get(w) ?? w);
    // "Ketamine HCl injection, USP": drop form words from the end while a name stays.
    let end = words.length;
    for (let dropped = true; dropped;) {
      dropped = false;
      for (const f of forms) {
        if (end - f.length < 1) continue;
        if (f.every((w, i) => words[end - f.length + i] === w)) {
          end -= f.length;
          dropped = true;
        }
      }
    }
    return words.slice(0, end).join(' ');
  };
}
