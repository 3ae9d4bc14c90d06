// The closed vocabularies of the coverage contract (../shared/spec/coverage-contract.md).
// Payers are deliberately absent: they come from the policy data, so a new payer is a data file.

export const LINES_OF_BUSINESS = [
  'commercial',
  'aso',
  'exchange',
  'fep',
  'medicare-advantage',
  'medicare-cost',
  'medicare-supplement',
  'medicaid',
] as const;
export type LineOfBusiness = (typeof LINES_OF_BUSINESS)[number];

/**
 * Products whose members always have Medicare primary and the plan secondary: a Medicare
 * Supplement (Medigap) plan pays only after Medicare. A request for such a member is read as
 * Medicare-primary whatever its medicarePrimary flag says, so one claim cannot get two answers.
 */
export const MEDICARE_PRIMARY_PRODUCTS: ReadonlySet<LineOfBusiness> = new Set([
  'medicare-supplement',
]);

export const PLAN_TYPES = ['hmo', 'pos', 'ppo', 'epo', 'indemnity'] as const;
export type PlanType = (typeof PLAN_TYPES)[number];

export const SETTINGS = ['inpatient', 'outpatient', 'office', 'home', 'emergency'] as const;
export type Setting = (typeof SETTINGS)[number];

export const ROUTES = [
  'intravenous',
  'intramuscular',
  'subcutaneous',
  'intranasal',
  'oral',
  'other',
] as const;
export type Route = (typeof ROUTES)[number];

/**
 * Words and abbreviations people write for a route, lower case: read from FHIR route text, and
 * offered as the fix when a request sends one instead of the route's name.
 */
export const ROUTE_WORDS: Readonly<Record<string, Route>> = {
  intravenous: 'intravenous',
  iv: 'intravenous',
  intramuscular: 'intramuscular',
  im: 'intramuscular',
  subcutaneous: 'subcutaneous',
  sc: 'subcutaneous',
  subq: 'subcutaneous',
  sq: 'subcutaneous',
  intranasal: 'intranasal',
  nasal: 'intranasal',
  oral: 'oral',
  po: 'oral',
};

export const OUTCOMES = [
  'covered',
  'not-covered',
  'conditional',
  'out-of-scope',
  'needs-info',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PRIOR_AUTH = ['required', 'not-required', 'not-applicable', 'conditional'] as const;
export type PriorAuth = (typeof PRIOR_AUTH)[number];

/**
 * Why a service is not covered, or why coverage is conditional: an id of
 * policies/valuesets/bases.yaml (data, so a payer-defined basis needs no code; see
 * src/terminology/bases.ts). The compiler refuses a basis the file does not list.
 */
export type Basis = string;

/** What a policy statement says about the services in its scope. */
export const VERDICTS = [
  'covered',
  'investigational',
  'not-medically-necessary',
  'not-covered',
  'refer',
] as const;
export type Verdict = (typeof VERDICTS)[number];
