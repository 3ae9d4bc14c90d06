import type { CompiledCondition } from '../model/compiled-policy.js';
import { MEDICARE_PRIMARY_PRODUCTS, type LineOfBusiness } from '../model/vocabulary.js';

const SETS = ['payer', 'planType', 'setting'] as const;
const FLAGS = ['medicarePrimary', 'providerParticipating', 'homePlan', 'groupPolicy'] as const;

/**
 * The products for which `later` can never decide because `earlier` holds for every request it
 * holds for (earlier tried first). A product's implied facts count: every Medicare Supplement
 * member has Medicare primary, so "required if Medicare is primary" swallows a Supplement rule
 * that follows it.
 */
export function productsShadowed(
  earlier: CompiledCondition,
  later: CompiledCondition,
  products: readonly LineOfBusiness[],
): LineOfBusiness[] {
  if (!SETS.every((f) => narrower(later[f], earlier[f]))) return [];
  const lobs = later.lineOfBusiness ? [...later.lineOfBusiness] : products;
  return lobs.filter((lob) => {
    if (earlier.lineOfBusiness && !earlier.lineOfBusiness.has(lob)) return false;
    return FLAGS.every((f) => {
      if (earlier[f] === undefined) return true;
      const implied =
        f === 'medicarePrimary' && MEDICARE_PRIMARY_PRODUCTS.has(lob) ? true : undefined;
      return (later[f] ?? implied) === earlier[f];
    });
  });
}

/** Whether every value `inner` allows, `outer` allows too (no constraint allows all). */
function narrower(inner: ReadonlySet<string> | undefined, outer: ReadonlySet<string> | undefined) {
  if (!outer) return true;
  if (!inner) return false;
  return [...inner].every((v) => outer.has(v));
}
