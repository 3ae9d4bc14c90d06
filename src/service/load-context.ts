import { join } from 'node:path';
import type { CompiledPolicySet } from '../model/compiled-policy.js';
import { policiesDir } from '../package-root.js';
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
  /** The policies directory the context was loaded from (sources, coverage map); default the package's. */
  policiesDir?: string;
}

/**
 * Loads the policies and the terminology. `policiesDir` (default: the MEDPOLICY_POLICIES
 * environment variable, else the package's policies/) is another policy corpus: payer folders,
 * sources/, valuesets/ and crd-coverage-map.yaml, laid out as the package's.
 */
export function loadContext(
  opts: TerminologyOptions = terminologyOptionsFromEnv(process.env),
): DecisionContext {
  const dir = opts.policiesDir ?? (opts.root ? join(opts.root, 'policies') : policiesDir());
  const terminology = loadTerminology({ ...opts, policiesDir: dir });
  return { terminology, policySet: loadPolicySet(terminology, dir), policiesDir: dir };
}
