import { problem, type Problem } from '../model/problem.js';
import type { DrugCatalog } from '../terminology/drugs.js';
import { nearest } from '../model/suggest.js';

/**
 * The problem with a request's drug name, or undefined when the catalog knows it. A name that
 * resolves to nothing is refused rather than decided: "out of scope" for a misspelling reads as
 * "not restricted" at a prior-auth desk. Both validators (strict and screening's fast path) and
 * the NDJSON byte reader accept exactly the names this accepts.
 */
export function drugNameProblem(
  name: string,
  catalog: DrugCatalog,
  path = '/drug',
): Problem | undefined {
  const trimmed = name.trim();
  if (catalog.resolve(trimmed)) return undefined;
  const near = nearest(trimmed, catalog.names);
  // "lidocaine hcl with epinephrine": a known name leading a longer one is the likeliest meant.
  if (near.length === 0) {
    const lower = trimmed.toLowerCase();
    const leading = catalog.names
      .filter((n) => lower.startsWith(`${n.toLowerCase()} `))
      .sort((a, b) => b.length - a.length)[0];
    if (leading) near.push(leading);
  }
  return problem(
    'unknown-drug',
    `drug '${name}' is not a drug medpolicy knows${near.length > 0 ? `; nearest known names: ${near.join(', ')}` : ''}`,
    path,
    near.length > 0
      ? `did you mean '${near[0]}'? (names, salts and brands are listed in policies/valuesets/drugs.yaml)`
      : `name the drug by its generic name, salt form or brand, e.g. ${[...catalog.drugs.keys()]
          .slice(0, 3)
          .map((n) => `'${n}'`)
          .join(', ')} (policies/valuesets/drugs.yaml)`,
  );
}
