// DTR Questionnaires generated from a policy version and the questions the engine asks (issue #19;
// docs/design/dtr-19.md §A.1, §A.5, §B.1–B.2). Pure: the same (version, questions, revision,
// public URL) always gives the same JSON, so nothing generated is ever stored.
import type { CompiledPolicy, CompiledVersion } from '../../model/compiled-policy.js';
import type { QuestionV1 } from '../../model/determination.js';

export const DTR_SD = 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition';
export const PROFILE = {
  adaptSearch: `${DTR_SD}/dtr-questionnaire-adapt-search`,
  adapt: `${DTR_SD}/dtr-questionnaire-adapt`,
  standard: `${DTR_SD}/dtr-std-questionnaire`,
  responseAdapt: `${DTR_SD}/dtr-questionnaireresponse-adapt`,
  response: `${DTR_SD}/dtr-questionnaireresponse`,
} as const;
export const QUESTIONNAIRE_ADAPTIVE_URL =
  'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-questionnaireAdaptive';
const AUDIENCE_URL = `${DTR_SD}/questionnaireAudience`;
const COMPLETION_TIME_URL = `${DTR_SD}/estimated-completion-time`;
const ITEM_CONTROL_URL = 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl';
const ITEM_CONTROL_SYSTEM = 'http://hl7.org/fhir/questionnaire-item-control';
const SUPPORT_HYPERLINK_URL =
  'http://hl7.org/fhir/StructureDefinition/questionnaire-supportHyperlink';

/** The contained Questionnaire's id in every adaptive QuestionnaireResponse (`questionnaire: "#q"`). */
export const CONTAINED_ID = 'q';
/** The display item that states the decision when an adaptive form completes. */
export const DETERMINATION_LINK_ID = 'determination';
/** The standard form's read-only item naming the product rule the engine reached. */
export const PRODUCT_LINK_ID = 'product';

export interface Coding {
  system: string;
  code: string;
  display: string;
}

/** The three answers every fact question offers (HL7 v2-0136 yes/no, v3 NullFlavor ASKU). */
export const ANSWER = {
  Y: { system: 'http://terminology.hl7.org/CodeSystem/v2-0136', code: 'Y', display: 'Yes' },
  N: { system: 'http://terminology.hl7.org/CodeSystem/v2-0136', code: 'N', display: 'No' },
  ASKU: {
    system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor',
    code: 'ASKU',
    display: 'Not known yet',
  },
} as const satisfies Record<string, Coding>;
export type AnswerCode = keyof typeof ANSWER;

export interface Extension {
  url: string;
  [value: string]: unknown;
}

export interface EnableWhen {
  question: string;
  operator: '=';
  answerString?: string;
  answerCoding?: Coding;
}

export interface QuestionnaireItem {
  linkId: string;
  text: string;
  type: 'choice' | 'display';
  extension?: Extension[];
  required?: boolean;
  readOnly?: boolean;
  enableWhen?: EnableWhen[];
  enableBehavior?: 'all' | 'any';
  answerOption?: ({ valueCoding: Coding } | { valueString: string })[];
  item?: QuestionnaireItem[];
}

export interface Questionnaire {
  resourceType: 'Questionnaire';
  id?: string;
  meta: { profile: string[] };
  extension: Extension[];
  url?: string;
  version?: string;
  name?: string;
  title?: string;
  derivedFrom?: string[];
  status: 'active';
  subjectType: ['Patient'];
  date?: string;
  publisher?: string;
  effectivePeriod?: { start: string; end?: string };
  item?: QuestionnaireItem[];
}

/** What a form is generated from: one policy version under one policy-set revision. */
export interface FormSource {
  policy: Pick<CompiledPolicy, 'id' | 'publisher'>;
  version: Pick<CompiledVersion, 'id' | 'title' | 'effectiveFrom' | 'effectiveTo'>;
  /** The compiled policy set's revision: a change to the policy data changes the form version. */
  revision: string;
  /** The server's public base URL (`--public-url`), e.g. https://payer.example. */
  publicUrl: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The FHIR base the adaptive forms name for `$next-question` (spec-23/24: under the payer's base). */
export function fhirBase(publicUrl: string): string {
  return `${trimSlash(publicUrl)}/fhir`;
}

export function questionnaireUrl(publicUrl: string, policyId: string): string {
  return `${fhirBase(publicUrl)}/Questionnaire/${policyId}`;
}

/** The policy version and the revision: edited facts data must change the canonical (oper-16). */
export function questionnaireVersion(versionId: string, revision: string): string {
  return `${versionId}+r.${revision}`;
}

/** `url|version`, the version-specific canonical every reference to the form uses. */
export function questionnaireCanonical(src: FormSource): string {
  return `${questionnaireUrl(src.publicUrl, src.policy.id)}|${questionnaireVersion(src.version.id, src.revision)}`;
}

/**
 * The web UI's policy page at the quoted words, built as src/web/router.ts `quoteHref` builds it
 * (the web code is a separate build, so it cannot be imported here; a test compares the two).
 */
export function policyQuoteUrl(
  publicUrl: string,
  policyId: string,
  versionId: string,
  quote: string,
): string {
  const query = new URLSearchParams({ quote, v: versionId }).toString();
  return `${trimSlash(publicUrl)}/#/policies/${encodeURIComponent(policyId)}?${query}`;
}

/** A computable name (R4 que-0: starts upper-case, letters, digits and _ only). */
function computableName(id: string): string {
  const name = id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
  return /^[A-Z]/.test(name) ? name : `Q${name}`;
}

function citedSource(q: QuestionV1): string {
  const c = q.reason.citation;
  if (!c) return '';
  // citation.source is "path#L<line>"; the line is said in words after the path.
  return ` (${c.source.replace(/#L\d+$/, '')} line ${c.line})`;
}

/**
 * The one item builder every form uses, so the adaptive and standard forms ask a fact in the same
 * words: a required choice (Yes / No / Not known yet), a help child with the policy's verbatim
 * words and where they stand, and a link to the policy page at those words.
 */
export function questionItem(
  q: QuestionV1,
  link: { publicUrl: string; policyId: string; versionId: string },
): QuestionnaireItem {
  const quote = q.reason.citation?.quote ?? q.reason.text;
  return {
    linkId: q.fact,
    text: q.text,
    type: 'choice',
    required: true,
    extension: [
      {
        url: SUPPORT_HYPERLINK_URL,
        valueUri: policyQuoteUrl(link.publicUrl, link.policyId, link.versionId, quote),
      },
    ],
    answerOption: [ANSWER.Y, ANSWER.N, ANSWER.ASKU].map((c) => ({ valueCoding: { ...c } })),
    item: [
      {
        linkId: `${q.fact}.help`,
        text: `${quote}${citedSource(q)}`,
        type: 'display',
        extension: [
          {
            url: ITEM_CONTROL_URL,
            valueCodeableConcept: { coding: [{ system: ITEM_CONTROL_SYSTEM, code: 'help' }] },
          },
        ],
      },
    ],
  };
}

/** The display item that ends a completed adaptive form with the decision in words. */
export function determinationItem(text: string): QuestionnaireItem {
  return { linkId: DETERMINATION_LINK_ID, text, type: 'display' };
}

/** Our facts are administrative; one question takes under a minute (§B.1). */
function formExtensions(): Extension[] {
  return [
    { url: AUDIENCE_URL, valueCode: 'admin' },
    { url: COMPLETION_TIME_URL, extension: [{ url: 'totalTime', valueCode: 'under-1min' }] },
  ];
}

function described(src: FormSource, id: string) {
  const v = src.version;
  return {
    url: questionnaireUrl(src.publicUrl, id),
    version: questionnaireVersion(v.id, src.revision),
    name: computableName(src.policy.id),
    title: `${v.title} (version ${v.id})`,
    status: 'active' as const,
    subjectType: ['Patient'] as ['Patient'],
    date: v.effectiveFrom,
    publisher: src.policy.publisher,
    effectivePeriod: { start: v.effectiveFrom, ...(v.effectiveTo ? { end: v.effectiveTo } : {}) },
  };
}

/**
 * The package's Questionnaire for an adaptive form (`dtr-questionnaire-adapt-search`): no items;
 * its `questionnaireAdaptive` names the base to call `$next-question` on (spec-23).
 */
export function adaptiveSearchQuestionnaire(src: FormSource): Questionnaire {
  return {
    resourceType: 'Questionnaire',
    id: src.policy.id,
    meta: { profile: [PROFILE.adaptSearch] },
    extension: [
      { url: QUESTIONNAIRE_ADAPTIVE_URL, valueUrl: fhirBase(src.publicUrl) },
      ...formExtensions(),
    ],
    ...described(src, src.policy.id),
  };
}

/**
 * The Questionnaire contained in an adaptive QuestionnaireResponse (`dtr-questionnaire-adapt`,
 * id `q`), derived from the version-specific canonical (spec-25), with the items asked so far.
 */
export function adaptiveQuestionnaire(
  src: FormSource,
  questions: readonly QuestionV1[],
): Questionnaire {
  const link = { publicUrl: src.publicUrl, policyId: src.policy.id, versionId: src.version.id };
  const q: Questionnaire = {
    resourceType: 'Questionnaire',
    id: CONTAINED_ID,
    meta: { profile: [PROFILE.adapt] },
    extension: [
      { url: QUESTIONNAIRE_ADAPTIVE_URL, valueUrl: fhirBase(src.publicUrl) },
      ...formExtensions(),
    ],
    derivedFrom: [questionnaireCanonical(src)],
    status: 'active',
    subjectType: ['Patient'],
  };
  if (questions.length > 0) q.item = questions.map((x) => questionItem(x, link));
  return q;
}

/** The standard form is another Questionnaire (its own url) beside the adaptive one (§A.3). */
export function standardFormId(policyId: string): string {
  return `${policyId}-form`;
}

/** One product rule of the version and the facts it waits on, in the order it asks them. */
export interface RuleQuestions {
  /** QuestionV1.rule, e.g. "product:bcn65-medicare-complementary". */
  rule: string;
  questions: readonly QuestionV1[];
}

/**
 * The standard (non-adaptive) form of a version (`dtr-std-questionnaire`, §A.5): a read-only
 * `product` item the payer fills with the rule the engine reached, and every fact item, enabled
 * by that rule. A later fact of a rule is asked only when the earlier one is not known (ASKU):
 * any other answer settles the rule. (An earlier answer whose effect is `policy` would also go
 * on to the next fact; no policy has two facts on one rule yet, and QuestionV1 does not carry
 * the effects, so that case is not generated.)
 */
export function standardQuestionnaire(
  src: FormSource,
  groups: readonly RuleQuestions[],
): Questionnaire {
  if (groups.length === 0)
    throw new Error(
      `policy ${src.policy.id} version ${src.version.id} has no rule with facts: a standard form needs at least one item`,
    );
  const link = { publicUrl: src.publicUrl, policyId: src.policy.id, versionId: src.version.id };
  const items = new Map<string, QuestionnaireItem>();
  const shared = new Set<string>();
  const chained = new Set<string>();
  const rulesOf = new Map<string, number>();
  for (const g of groups)
    g.questions.forEach((q, i) => {
      rulesOf.set(q.fact, (rulesOf.get(q.fact) ?? 0) + 1);
      const whenRule: EnableWhen = {
        question: PRODUCT_LINK_ID,
        operator: '=',
        answerString: g.rule,
      };
      const existing = items.get(q.fact);
      const item = existing ?? questionItem(q, link);
      if (i === 0) {
        item.enableWhen = [...(item.enableWhen ?? []), whenRule];
        if (existing) shared.add(q.fact);
      } else {
        const previous = g.questions[i - 1]!.fact;
        item.enableWhen = [
          ...(item.enableWhen ?? []),
          whenRule,
          { question: previous, operator: '=', answerCoding: { ...ANSWER.ASKU } },
        ];
        chained.add(q.fact);
      }
      items.set(q.fact, item);
    });
  for (const fact of chained)
    if ((rulesOf.get(fact) ?? 0) > 1)
      throw new Error(
        `fact ${fact} is a later fact of a rule and is asked by another rule too: one item's enableWhen cannot say both (enableBehavior any vs all)`,
      );
  for (const fact of shared) items.get(fact)!.enableBehavior = 'any';
  for (const fact of chained) items.get(fact)!.enableBehavior = 'all';
  const product: QuestionnaireItem = {
    linkId: PRODUCT_LINK_ID,
    text: 'The member’s product, as the payer’s policy names it (filled in by the payer)',
    type: 'choice',
    readOnly: true,
    answerOption: groups.map((g) => ({ valueString: g.rule })),
  };
  return {
    resourceType: 'Questionnaire',
    id: standardFormId(src.policy.id),
    meta: { profile: [PROFILE.standard] },
    extension: formExtensions(),
    ...described(src, standardFormId(src.policy.id)),
    item: [product, ...items.values()],
  };
}
