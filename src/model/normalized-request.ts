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

/**
 * What a validator gathered for a request, before it is made a NormalizedRequest: the vocabulary
 * fields as strings the validator has checked against the vocabularies.
 */
export interface RequestFields {
  lineOfBusiness: string;
  medicarePrimary: boolean;
  groupPolicy: boolean;
  dateOfService: string;
  procedureCodes: readonly ProcedureCode[];
  diagnosisCodes: readonly string[];
  planType: string | undefined;
  providerParticipating: boolean | undefined;
  homePlan: string | undefined;
  setting: string | undefined;
  drug: string | undefined;
  route: string | undefined;
  indication: string | undefined;
}

/**
 * The one literal every NormalizedRequest is made by (the fast and the full validator, the batch
 * reader, compare copies), so that all have one shape. `payer` is undefined for a compare
 * request, which names none: it has the field all the same, so its copies (forPayer) keep the
 * shape.
 */
export function normalizedRequestOf(
  f: RequestFields,
  payer: string | undefined,
  facts: RequestFacts,
): NormalizedRequest {
  const request = {
    lineOfBusiness: f.lineOfBusiness,
    medicarePrimary: f.medicarePrimary,
    groupPolicy: f.groupPolicy,
    dateOfService: f.dateOfService,
    procedureCodes: f.procedureCodes,
    diagnosisCodes: f.diagnosisCodes,
    facts,
    payer: payer!,
    planType: f.planType,
    providerParticipating: f.providerParticipating,
    homePlan: f.homePlan,
    setting: f.setting,
    drug: f.drug,
    route: f.route,
    indication: f.indication,
  };
  // The callers pass only words they checked against the vocabularies.
  return request as NormalizedRequest;
}

/**
 * A compare request's copy for one payer. A spread copy ({ ...r, payer }) would be a second
 * hidden class, and the engine's reads would meet two.
 */
export function forPayer(r: Omit<NormalizedRequest, 'payer'>, payer: string): NormalizedRequest {
  return normalizedRequestOf(r, payer, r.facts);
}
