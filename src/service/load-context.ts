import type { CompiledPolicySet } from '../model/compiled-policy.js';
import { loadPolicySet } from '../policies/load-policy-set.js';
import {
  loadTerminology,
  terminologyOptionsFromEnv,
  type TerminologyOptions,
} from '../terminology/load-terminology.js';
import type { Terminology } from '../terminology/terminology.js';

/** What every adapter needs to decide: the compiled policies and the terminology. */
export interface DecisionContext {
  policySet: CompiledPolicySet;
  terminology: Terminology;
}

export function loadContext(
  opts: TerminologyOptions & { root?: string } = terminologyOptionsFromEnv(process.env),
): DecisionContext {
  const terminology = loadTerminology(opts);
  return { terminology, policySet: loadPolicySet(terminology, opts.root) };
}
