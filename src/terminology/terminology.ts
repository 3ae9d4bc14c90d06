import type { FactVocabulary } from '../model/facts.js';
import type { Bases } from './bases.js';
import type { CodeSystem } from './code-system.js';
import type { DrugCatalog } from './drugs.js';
import type { IndicationIndex } from './indications.js';

/** Everything the engine knows about codes, drugs and indications: plain data, no I/O. */
export interface Terminology {
  icd10cm: CodeSystem;
  hcpcs: CodeSystem;
  cpt: CodeSystem;
  indications: IndicationIndex;
  drugs: DrugCatalog;
  /** policies/valuesets/bases.yaml: the bases a determination may carry, and their words. */
  bases: Bases;
  /** policies/valuesets/facts.yaml: the yes/no facts beyond the request a policy may turn on. */
  facts: FactVocabulary;
}

export function describeTerminology(t: Terminology): Record<string, string> {
  return { icd10cm: t.icd10cm.version, hcpcs: t.hcpcs.version, cpt: t.cpt.version };
}
