import type { RequestFacts } from './facts.js';
import type { LineOfBusiness, PlanType, Route, Setting } from './vocabulary.js';

export interface ProcedureCode {
  system: 'cpt' | 'hcpcs';
  code: string;
}

/**
 * A validated CoverageRequest with defaults applied and codes in canonical form. Every field is
 * present, a field the request leaves out as undefined, so that every request has one shape
 * (normalizedRequest builds it): the engine reads these fields many times per request, and
 * reads that meet several shapes are slower ones.
 */
export interface NormalizedRequest {
  payer: string;
  lineOfBusiness: LineOfBusiness;
  planType: PlanType | undefined;
  medicarePrimary: boolean;
  providerParticipating: boolean | undefined;
  homePlan: string | undefined;
  groupPolicy: boolean;
  dateOfService: string;
  setting: Setting | undefined;
  drug: string | undefined;
  route: Route | undefined;
  indication: string | undefined;
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
