import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  LINES_OF_BUSINESS,
  PLAN_TYPES,
  PRIOR_AUTH,
  ROUTES,
  SETTINGS,
  VERDICTS,
} from './vocabulary.js';
import { StringEnum } from './string-enum.js';

// The schema of a policy file (policies/<payer>/<policy>.yaml). Strict: an unknown key is a load
// error, so a typo can never silently drop a rule.

const strict = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
const oneOf = <const T extends readonly string[]>(values: T) => StringEnum(values);
const listOf = <T extends TSchema>(item: T) => Type.Array(item, { minItems: 1 });

const Date = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
/** One verbatim passage, or several, from the policy's source document. */
const Quote = Type.Union([Type.String({ minLength: 5 }), listOf(Type.String({ minLength: 5 }))]);

const Dated = {
  /** First date of service the item applies to (inclusive); absent: since the first version. */
  from: Type.Optional(Date),
  /** Last date of service the item applies to (inclusive); absent: still in force. */
  to: Type.Optional(Date),
};

export const ConditionSchema = strict(
  {
    payer: Type.Optional(listOf(Type.String())),
    lineOfBusiness: Type.Optional(listOf(oneOf(LINES_OF_BUSINESS))),
    planType: Type.Optional(listOf(oneOf(PLAN_TYPES))),
    setting: Type.Optional(listOf(oneOf(SETTINGS))),
    medicarePrimary: Type.Optional(Type.Boolean()),
    providerParticipating: Type.Optional(Type.Boolean()),
    homePlan: Type.Optional(Type.Boolean()),
    groupPolicy: Type.Optional(Type.Boolean()),
  },
  'All listed conditions must hold. A list matches any of its values.',
);
export type Condition = Static<typeof ConditionSchema>;

const VersionSchema = strict({
  id: Type.String({ minLength: 1 }),
  effectiveFrom: Date,
  title: Type.Optional(Type.String()),
  /** False when the source records that this version existed but not what it said. */
  textAvailable: Type.Optional(Type.Boolean()),
  change: Quote,
  note: Type.Optional(Type.String()),
});

/**
 * What one answer to a fact does: `covered`; `not-covered` with a basis of bases.yaml; or
 * `policy`, the version's statements decide, as for a product the policy governs outright.
 */
const FactEffectSchema = Type.Union([
  Type.Literal('covered'),
  Type.Literal('policy'),
  strict({ outcome: Type.Literal('not-covered'), basis: Type.String({ minLength: 1 }) }),
]);

/**
 * A fact beyond the request a conditional product rule turns on. The keys are whenYes/whenNo,
 * not yes/no, which a YAML 1.1 reader would read as booleans.
 */
const FactRuleSchema = strict({
  /** An id of policies/valuesets/facts.yaml (checked by the compiler, which names the list). */
  fact: Type.String({ minLength: 1 }),
  /** The words that make the fact matter; verbatim. */
  quote: Quote,
  /** The question in this policy's words, in place of facts.yaml's. */
  question: Type.Optional(Type.String({ minLength: 8 })),
  whenYes: FactEffectSchema,
  whenNo: FactEffectSchema,
});

const ProductRuleSchema = strict({
  id: Type.String({ minLength: 1 }),
  ...Dated,
  when: ConditionSchema,
  effect: oneOf(['applies', 'conditional', 'not-applicable'] as const),
  /** An id of policies/valuesets/bases.yaml (checked by the compiler, which names the list). */
  basis: Type.Optional(Type.String({ minLength: 1 })),
  quote: Quote,
  /** Facts the rule turns on, asked in this order: the first one given decides (see README). */
  facts: Type.Optional(listOf(FactRuleSchema)),
});

const StatementSchema = strict({
  id: Type.String({ minLength: 1 }),
  ...Dated,
  drugs: strict({
    names: Type.Optional(listOf(Type.String())),
    classes: Type.Optional(listOf(Type.String())),
  }),
  routes: listOf(oneOf(ROUTES)),
  indications: listOf(Type.String()),
  verdict: oneOf(VERDICTS),
  referTo: Type.Optional(listOf(Type.String())),
  quote: Quote,
});

const ExclusionSchema = strict({
  id: Type.String({ minLength: 1 }),
  ...Dated,
  indications: listOf(Type.String()),
  quote: Quote,
});

/**
 * A question the text leaves open, read one way in the file's reading notes: a request it touches
 * carries a `text-silent` warning naming what the text does not say. `when` limits it to products,
 * `indications` to requests with a diagnosis in those families (and their descendants) that no
 * statement of the version speaks to.
 */
const SilenceSchema = strict({
  id: Type.String({ minLength: 1 }),
  ...Dated,
  when: Type.Optional(ConditionSchema),
  indications: Type.Optional(listOf(Type.String())),
  /** What the text does not say, completing "the text does not say …". */
  about: Type.String({ minLength: 1 }),
  quote: Quote,
});

const PriorAuthRuleSchema = strict({
  id: Type.String({ minLength: 1 }),
  ...Dated,
  when: ConditionSchema,
  priorAuth: oneOf(PRIOR_AUTH),
  quote: Quote,
});

const CodeSchema = strict({
  system: oneOf(['cpt', 'hcpcs', 'icd10cm'] as const),
  code: Type.String({ minLength: 3 }),
  ...Dated,
  quote: Quote,
});

const RelatedPolicySchema = strict({
  number: Type.Optional(Type.String({ minLength: 1 })),
  title: Type.String({ minLength: 1 }),
  ...Dated,
  quote: Quote,
});

const NoticeSchema = strict({
  id: Type.String({ minLength: 1 }),
  kind: oneOf(['member-liability', 'benefit', 'administrative', 'coding'] as const),
  ...Dated,
  /** Outcomes the notice is shown with; absent: every outcome the policy decides. */
  outcomes: Type.Optional(listOf(oneOf(['covered', 'not-covered', 'conditional'] as const))),
  when: Type.Optional(ConditionSchema),
  quote: Quote,
});

export const PolicyFileSchema = strict({
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
  number: Type.Optional(Type.String()),
  title: Type.String({ minLength: 1 }),
  payers: listOf(Type.String({ pattern: '^[a-z0-9-]+$' })),
  source: strict({
    file: Type.String({ minLength: 1 }),
    publisher: Type.String({ minLength: 1 }),
    asOf: Type.String({ minLength: 1 }),
    url: Type.Optional(Type.String()),
    /**
     * When the payer said it would review the text next: after it, an answer warns that the text
     * may have been revised since the copy encoded here.
     */
    nextReview: Type.Optional(
      strict({
        /** The last day of the period the source names (4th Qtr. 2024 → 2024-12-31). */
        by: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
        quote: Quote,
      }),
    ),
  }),
  referenceNumbers: Type.Optional(Type.Record(Type.String(), Type.String())),
  versions: listOf(VersionSchema),
  products: strict({
    /** What happens when no rule names the member's product. */
    default: oneOf(['applies', 'out-of-scope'] as const),
    rules: Type.Array(ProductRuleSchema),
  }),
  statements: listOf(StatementSchema),
  exclusions: Type.Optional(Type.Array(ExclusionSchema)),
  silences: Type.Optional(Type.Array(SilenceSchema)),
  priorAuth: strict({
    default: oneOf(PRIOR_AUTH),
    defaultQuote: Type.Optional(Quote),
    rules: Type.Array(PriorAuthRuleSchema),
  }),
  codes: Type.Optional(Type.Array(CodeSchema)),
  relatedPolicies: Type.Optional(Type.Array(RelatedPolicySchema)),
  notices: Type.Optional(Type.Array(NoticeSchema)),
});

export type PolicyFile = Static<typeof PolicyFileSchema>;
export type PolicyStatement = Static<typeof StatementSchema>;
export type PolicyProductRule = Static<typeof ProductRuleSchema>;
export type PolicyFactRule = Static<typeof FactRuleSchema>;
export type PolicyFactEffect = Static<typeof FactEffectSchema>;
export type PolicyPriorAuthRule = Static<typeof PriorAuthRuleSchema>;
export type PolicyVersion = Static<typeof VersionSchema>;

// Value sets: indication families over ICD-10-CM, and the drug catalog.

export const IndicationFamilySchema = strict({
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
  label: Type.String({ minLength: 1 }),
  parent: Type.Optional(Type.String()),
  codes: Type.Optional(
    Type.Array(
      strict({
        /** An ICD-10-CM code or prefix ("G90.5") or a category range ("F20-F29"). */
        match: Type.String({ minLength: 3 }),
        rationale: Type.String({ minLength: 8 }),
      }),
    ),
  ),
  rationale: Type.String({ minLength: 8 }),
});

export const IndicationValueSetFileSchema = strict({
  system: Type.Literal('icd10cm'),
  description: Type.String(),
  /**
   * The ICD-10-CM release the families were last reviewed against ("FY2026"): a code in a
   * branch added after it, under an entry divided between families, is flagged, not guessed.
   */
  reviewedAgainst: Type.Optional(Type.String({ pattern: '^FY[0-9]{4}(-04)?$' })),
  families: listOf(IndicationFamilySchema),
});
export type IndicationValueSetFile = Static<typeof IndicationValueSetFileSchema>;

export const DrugCatalogFileSchema = strict({
  description: Type.String(),
  /** Abbreviations of salt names as claims write them ("hcl": "hydrochloride"), lower case. */
  saltAbbreviations: Type.Optional(Type.Record(Type.String(), Type.String())),
  /** Dosage-form words a name may end with ("injection", "nasal spray"), ignored when matching. */
  formWords: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  drugs: listOf(
    strict({
      id: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
      label: Type.String(),
      classes: Type.Array(Type.String()),
      synonyms: Type.Optional(Type.Array(Type.String())),
      /** Salt forms: "ketamine hydrochloride" (and "ketamine hcl") name ketamine. */
      salts: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      /** Brand names that name this drug and nothing else. */
      brands: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
      rxnorm: Type.Optional(Type.String()),
      rationale: Type.String(),
    }),
  ),
});
export type DrugCatalogFile = Static<typeof DrugCatalogFileSchema>;
