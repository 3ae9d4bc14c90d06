import type { RequestFacts } from './facts.js';
import type { LineOfBusiness, PlanType, Route, Setting } from './vocabulary.js';

export interface ProcedureCode {
  system: 'cpt' | 'hcpcs';
  code: string;
}

/** A validated CoverageRequest with defaults applied and codes in canonical form. */
export interface NormalizedRequest {
  payer: string;
  lineOfBusiness: LineOfBusiness;
  planType?: PlanType;
  medicarePrimary: boolean;
  providerParticipating?: boolean;
  homePlan?: string;
  groupPolicy: boolean;
  dateOfService: string;
  setting?: Setting;
  drug?: string;
  route?: Route;
  indication?: string;
  procedureCodes: readonly ProcedureCode[];
  /** ICD-10-CM, uppercase, without the dot, in the order given. */
  diagnosisCodes: readonly string[];
  /**
   * Facts beyond the request, by id (policies/valuesets/facts.yaml): frozen, without prototype,
   * and the one shared empty record (NO_FACTS) when the request gives none. A fact that spells a
   * request field is folded into that field too.
   */
  facts: RequestFacts;
}
