import type { DrugCatalogFile } from '../model/policy.js';

export interface Drug {
  id: string;
  label: string;
  classes: readonly string[];
  rxnorm?: string;
}

export interface DrugCatalog {
  drugs: ReadonlyMap<string, Drug>;
  /** The drug a request's free-text name means (any case, synonyms included). */
  resolve(name: string): Drug | undefined;
  classes: ReadonlySet<string>;
  /** The drug an RxNorm ingredient code (RXCUI) names, for FHIR orders. */
  byRxnorm(code: string): Drug | undefined;
}

export function compileDrugs(file: DrugCatalogFile): DrugCatalog {
  const drugs = new Map<string, Drug>();
  const byName = new Map<string, Drug>();
  const classes = new Set<string>();
  const byRxnorm = new Map<string, Drug>();
  for (const d of file.drugs) {
    const drug: Drug = { id: d.id, label: d.label, classes: d.classes, ...(d.rxnorm ? { rxnorm: d.rxnorm } : {}) };
    if (drugs.has(d.id)) throw new Error(`drug "${d.id}" is defined twice`);
    drugs.set(d.id, drug);
    for (const name of [d.id, ...(d.synonyms ?? [])]) {
      const key = name.trim().toLowerCase();
      if (byName.has(key)) throw new Error(`drug name "${name}" is claimed twice`);
      byName.set(key, drug);
    }
    if (d.rxnorm) {
      if (byRxnorm.has(d.rxnorm)) throw new Error(`RxNorm code "${d.rxnorm}" is claimed twice`);
      byRxnorm.set(d.rxnorm, drug);
    }
    d.classes.forEach((c) => classes.add(c));
  }
  // Requests usually spell the name as the catalog does: try it as given before normalizing.
  return {
    drugs,
    classes,
    resolve: (name) => byName.get(name) ?? byName.get(name.trim().toLowerCase()),
    byRxnorm: (code) => byRxnorm.get(code),
  };
}
