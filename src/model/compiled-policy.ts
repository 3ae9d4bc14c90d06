import type { NoticeV1, PolicyRefV1, QuestionV1, ReasonV1 } from './determination.js';
import type { FactRequestField } from './facts.js';
import type {
  Basis,
  LineOfBusiness,
  PlanType,
  PriorAuth,
  Route,
  Setting,
  Verdict,
} from './vocabulary.js';

// The policy set after compilation: everything the per-request path needs is a lookup here;
// quotes are already located and turned into reasons.
//
// Each kind of compiled object has one shape: a field the source leaves out is present and
// undefined, not absent. The engine reads these objects on every request, and a property read
// that meets more than four shapes goes through V8's generic (megamorphic) lookup: conditions
// came in twelve shapes, one per combination of the fields a rule names.

export interface CompiledCondition {
  payer: ReadonlySet<string> | undefined;
  lineOfBusiness: ReadonlySet<LineOfBusiness> | undefined;
  planType: ReadonlySet<PlanType> | undefined;
  setting: ReadonlySet<Setting> | undefined;
  medicarePrimary: boolean | undefined;
  providerParticipating: boolean | undefined;
  homePlan: boolean | undefined;
  groupPolicy: boolean | undefined;
}

export interface CompiledStatement {
  id: string;
  verdict: Verdict;
  referTo: readonly string[];
  drugNames: ReadonlySet<string> | undefined;
  drugClasses: ReadonlySet<string> | undefined;
  routes: ReadonlySet<Route>;
  indications: readonly string[];
  reasons: readonly ReasonV1[];
}

export interface CompiledExclusion {
  id: string;
  indications: readonly string[];
  reasons: readonly ReasonV1[];
}

/** A question the text leaves open: a request it touches is warned (`text-silent`). */
export interface CompiledSilence {
  id: string;
  when: CompiledCondition | undefined;
  indications: readonly string[] | undefined;
  /** What the text does not say. */
  about: string;
  reasons: readonly ReasonV1[];
}

/** What an answer to a fact does (policy files: whenYes / whenNo). */
export type CompiledFactEffect =
  | { readonly kind: 'covered' }
  | { readonly kind: 'not-covered'; readonly basis: Basis }
  /** The version's statements decide, as under an `applies` rule. */
  | { readonly kind: 'policy' };

/** One answer to a fact: what it does, and the reason that says so (built once, frozen). */
export interface CompiledFactAnswer {
  readonly value: boolean;
  readonly effect: CompiledFactEffect;
  /** The fact's sentence (one reason per quoted passage): first among the answer's reasons. */
  readonly reasons: readonly ReasonV1[];
  /** The trace step's words. */
  readonly trace: string;
}

export interface CompiledFactRule {
  /** The id in policies/valuesets/facts.yaml. */
  readonly fact: string;
  /** `facts.<fact>`: the entry in `missing`. */
  readonly missing: string;
  /** The request field the fact is another spelling of, read in its place. */
  readonly requestField: FactRequestField | undefined;
  /** The question asked while the fact is not given, with its quote. */
  readonly question: QuestionV1;
  readonly yes: CompiledFactAnswer;
  readonly no: CompiledFactAnswer;
}

export interface CompiledProductRule {
  id: string;
  when: CompiledCondition;
  effect: 'applies' | 'conditional' | 'not-applicable';
  basis: Basis | undefined;
  reasons: readonly ReasonV1[];
  /** Facts a conditional rule turns on, in the order they are asked. */
  facts: readonly CompiledFactRule[] | undefined;
}

export interface CompiledPriorAuthRule {
  id: string;
  when: CompiledCondition;
  priorAuth: PriorAuth;
  reasons: readonly ReasonV1[];
}

export interface CompiledNotice {
  id: string;
  outcomes: ReadonlySet<string> | undefined;
  when: CompiledCondition | undefined;
  notices: readonly NoticeV1[];
}

export interface CompiledCode {
  system: 'cpt' | 'hcpcs' | 'icd10cm';
  code: string;
  reasons: readonly ReasonV1[];
}

export interface FamilyIndex {
  statements: readonly CompiledStatement[];
  exclusions: readonly CompiledExclusion[];
  /** The exclusions' reasons, joined once. */
  exclusionReasons: readonly ReasonV1[];
}

export interface CompiledVersion {
  id: string;
  effectiveFrom: string;
  effectiveTo: string | undefined;
  title: string;
  textAvailable: boolean;
  changeReasons: readonly ReasonV1[];
  ref: PolicyRefV1;
  statements: readonly CompiledStatement[];
  exclusions: readonly CompiledExclusion[];
  productRules: readonly CompiledProductRule[];
  silences: readonly CompiledSilence[];
  priorAuthRules: readonly CompiledPriorAuthRule[];
  priorAuthDefault: PriorAuth;
  priorAuthDefaultReasons: readonly ReasonV1[];
  codes: readonly CompiledCode[];
  codeIndex: ReadonlyMap<string, CompiledCode>;
  notices: readonly CompiledNotice[];
  /**
   * The facts the version uses, in policy order: those its product rules turn on, then those
   * spelling a request field one of its conditions names. A request's other facts are warned.
   */
  facts: ReadonlySet<string>;
  /** Indication family → the statements and exclusions that speak to it (ancestors resolved). */
  byFamily: ReadonlyMap<string, FamilyIndex>;
  /**
   * The statements that reach a (drug, route, indication family), precomputed for every drug in
   * the catalog: the per-request path is three lookups. A drug or route absent from it is out of
   * the version's scope.
   */
  scope: ScopeTable;
}

export type ScopeTable = ReadonlyMap<
  string,
  ReadonlyMap<Route, ReadonlyMap<string, readonly CompiledStatement[]>>
>;

export interface CompiledPolicy {
  id: string;
  number: string | undefined;
  title: string;
  payers: readonly string[];
  sourcePath: string;
  publisher: string;
  asOf: string;
  /** The review date the source announces, with the words that announce it. */
  nextReview: { by: string; reasons: readonly ReasonV1[] } | undefined;
  productDefault: 'applies' | 'out-of-scope';
  relatedPolicies: readonly { number?: string; title: string; reasons: readonly ReasonV1[] }[];
  versions: readonly CompiledVersion[];
  /** The policy file as written, for GET /v1/policies/{id} and the UI. */
  file: string;
}

export interface CompiledPolicySet {
  /** Content hash of every policy file, value set and source the set was compiled from. */
  revision: string;
  payers: readonly string[];
  byPayer: ReadonlyMap<string, readonly CompiledPolicy[]>;
  policies: readonly CompiledPolicy[];
}
