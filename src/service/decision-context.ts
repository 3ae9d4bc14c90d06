import type { CompiledPolicySet } from '../model/compiled-policy.js';
import type { Terminology } from '../terminology/terminology.js';

/** What every adapter needs to decide: the compiled policies and the terminology. */
export interface DecisionContext {
  policySet: CompiledPolicySet;
  terminology: Terminology;
  /** The policies directory the context was loaded from (sources, coverage map); default the package's. */
  policiesDir?: string;
}
