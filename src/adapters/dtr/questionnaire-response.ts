// The adaptive QuestionnaireResponse of a DTR session (docs/design/dtr-19.md §A.1–A.2, §B.3):
// the draft the package carries, the same QR with the next items, and the completed QR with the
// decision. Pure. Every QR is rebuilt from the session (form, questions asked, the answers read),
// never edited from the client's copy: the client cannot change an issued item by editing its
// contained Questionnaire (B.2: issued items are never changed or removed).
import type { DeterminationV1, QuestionV1 } from '../../model/determination.js';
import {
  assertionFromDetermination,
  buildCoverageInformation,
  policyName,
  type AssertionInputs,
  type CoverageAssertion,
  type CrdVersion,
} from '../cdshooks/coverage-information.js';
import { isObject, type Json } from '../cdshooks/fhir.js';
import {
  adaptiveQuestionnaire,
  ANSWER,
  CONTAINED_ID,
  DETERMINATION_LINK_ID,
  determinationItem,
  fhirBase,
  PROFILE,
  type AnswerCode,
  type Coding,
  type Extension,
  type FormSource,
  type Questionnaire,
} from './questionnaire.js';

export const QR_COVERAGE_URL = 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-coverage';
export const QR_CONTEXT_URL = 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/qr-context';
export const INTENDED_USE_URL =
  'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/intendedUse';
export const INFORMATION_ORIGIN_URL =
  'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/information-origin';
/** CRD 2.2.1's DocReason codes (DTR 2.2.0 depends on CRD 2.2.1). */
export const DOC_REASON_SYSTEM =
  'http://hl7.org/fhir/us/davinci-crd/CodeSystem/coverage-information-codes';
export type DocPurpose = 'withpa' | 'withclaim' | 'withorder' | 'retain-doc' | 'OTH';
const ORIGIN_SOURCES = ['auto-client', 'auto-server', 'override', 'manual'] as const;
export type OriginSource = (typeof ORIGIN_SOURCES)[number];

/** What the session fixed when it began; the QR's context always comes from here. */
export interface SessionRefs {
  /** The QR's identifier value: the key $next-question finds the session by. */
  sessionId: string;
  /** e.g. "Coverage/cov-1" (qr-coverage). */
  coverageReference: string;
  /** The order the answers are for, e.g. "MedicationRequest/ket-1" (qr-context). */
  orderReference?: string;
  /** The member, from Coverage.beneficiary. */
  patientReference: string;
  /** How the EHR is to use the answers (CRD DocReason), e.g. withclaim when no PA is needed. */
  intendedUse: DocPurpose;
}

/** One answer as read from a client's QR (and echoed back in every QR after it). */
export interface ReadAnswer {
  linkId: string;
  code: AnswerCode;
  /** The client's information-origin extension, kept as sent. */
  origin?: Extension;
}

export interface QuestionnaireResponse {
  resourceType: 'QuestionnaireResponse';
  meta: { profile: string[] };
  contained: [Questionnaire];
  extension: Extension[];
  identifier: { system: string; value: string };
  questionnaire: string;
  status: 'in-progress' | 'completed';
  subject: { reference: string };
  item?: Json[];
}

/** The identifier system of DTR sessions under this server. */
export function sessionSystem(publicUrl: string): string {
  return `${fhirBase(publicUrl)}/dtr-session`;
}

interface Completion {
  text: string;
  coverageInformation: Json;
}

function build(
  src: FormSource,
  refs: SessionRefs,
  asked: readonly QuestionV1[],
  answers: readonly ReadAnswer[],
  completion?: Completion,
): QuestionnaireResponse {
  const contained = adaptiveQuestionnaire(src, asked);
  const extension: Extension[] = [
    { url: QR_COVERAGE_URL, valueReference: { reference: refs.coverageReference } },
  ];
  if (refs.orderReference)
    extension.push({ url: QR_CONTEXT_URL, valueReference: { reference: refs.orderReference } });
  extension.push({
    url: INTENDED_USE_URL,
    valueCodeableConcept: { coding: [{ system: DOC_REASON_SYSTEM, code: refs.intendedUse }] },
  });
  const items: Json[] = answers.map((a) => {
    const text = asked.find((q) => q.fact === a.linkId)?.text;
    return {
      linkId: a.linkId,
      ...(text ? { text } : {}),
      answer: [
        { valueCoding: { ...ANSWER[a.code] }, ...(a.origin ? { extension: [a.origin] } : {}) },
      ],
    };
  });
  if (completion) {
    contained.item = [...(contained.item ?? []), determinationItem(completion.text)];
    // SDC puts display items in the QR too: the decision shows in every renderer.
    items.push({ linkId: DETERMINATION_LINK_ID, text: completion.text });
    extension.push(completion.coverageInformation as Extension);
  }
  return {
    resourceType: 'QuestionnaireResponse',
    meta: { profile: [PROFILE.responseAdapt] },
    contained: [contained],
    extension,
    identifier: { system: sessionSystem(src.publicUrl), value: refs.sessionId },
    questionnaire: `#${CONTAINED_ID}`,
    status: completion ? 'completed' : 'in-progress',
    subject: { reference: refs.patientReference },
    ...(items.length > 0 ? { item: items } : {}),
  };
}

/** The package's draft QR (oper-18): nothing asked yet; `$next-question` asks the first items. */
export function draftResponse(src: FormSource, refs: SessionRefs): QuestionnaireResponse {
  return build(src, refs, [], []);
}

/**
 * The QR with the items asked so far (the earlier ones first, unchanged, then the new ones) and
 * the answers read so far.
 */
export function nextResponse(
  src: FormSource,
  refs: SessionRefs,
  asked: readonly QuestionV1[],
  answers: readonly ReadAnswer[],
): QuestionnaireResponse {
  return build(src, refs, asked, answers);
}

/**
 * The completed QR: status `completed`, the decision as a display item (in the contained
 * Questionnaire and in the QR's items), and CRD coverage-information with the session's
 * coverage and coverage-assertion-id (spec-33, spec-47: the same id replaces CRD's assertion).
 */
export function completedResponse(
  src: FormSource,
  refs: SessionRefs,
  asked: readonly QuestionV1[],
  answers: readonly ReadAnswer[],
  decision: { text: string; assertion: CoverageAssertion; crdVersion: CrdVersion },
): QuestionnaireResponse {
  return build(src, refs, asked, answers, {
    text: decision.text,
    coverageInformation: buildCoverageInformation(decision.assertion, decision.crdVersion),
  });
}

/**
 * The decision in words for the completed form: the outcome, what the answers established, the
 * policy version, and the policy's words the first cited reason quotes.
 */
export function determinationText(
  d: DeterminationV1,
  payerLabel: string,
  asked: readonly QuestionV1[],
  answers: readonly ReadAnswer[],
): string {
  const said = answers
    .map((a) => {
      const q = asked.find((x) => x.fact === a.linkId);
      if (!q) return undefined;
      if (a.code === 'Y') return q.answers.yes;
      if (a.code === 'N') return q.answers.no;
      return `not known: ${q.text}`;
    })
    .filter((s): s is string => s !== undefined);
  const head =
    d.outcome === 'covered'
      ? 'Covered'
      : d.outcome === 'not-covered'
        ? 'Not covered'
        : d.outcome === 'conditional'
          ? 'Still conditional'
          : d.outcome === 'needs-info'
            ? 'More information needed'
            : 'Not decided by this policy';
  const quote = d.reasons.find((r) => r.citation)?.citation?.quote;
  const answered = said.length > 0 ? said.join('; ') : 'no answer given';
  const states = quote ? ` The policy states: “${quote}”` : '';
  return `${head}: ${answered}, under ${policyName(d, payerLabel)}.${states}`;
}

/**
 * The coverage assertion of a completed form, as CRD maps a determination, with the decision's
 * words as its reason when the mapping gives none (a `covered` answer): CRD 2.2 wants a reason
 * with every doc-purpose, and a reader of the QR wants to know why.
 */
export function completionAssertion(
  d: DeterminationV1,
  inputs: AssertionInputs,
  text: string,
): CoverageAssertion {
  const a = assertionFromDetermination(d, inputs);
  if (a.reasons.length === 0) a.reasons.push({ text });
  return a;
}

/** Why a client's answers cannot be read: 400 with an OperationOutcome naming the item. */
export interface AnswerProblem {
  /** FHIRPath into the QR, e.g. "QuestionnaireResponse.item[0].answer". */
  expression: string;
  message: string;
}

export type ReadAnswersResult =
  | {
      ok: true;
      answers: ReadAnswer[];
      facts: Record<string, boolean>;
      unknown: string[];
      warnings: string[];
    }
  | { ok: false; problem: AnswerProblem };

function sameCoding(v: unknown, c: Coding): boolean {
  return isObject(v) && v['system'] === c.system && v['code'] === c.code;
}

function originWarning(origin: Extension | undefined, linkId: string): string | undefined {
  // DTR requires information-origin on every answer (DTRQuestionnaireResponse.fsh line 44) and,
  // by dtrx-1, an author exactly when a human entered or overrode it. A client that omits it has
  // still answered: the decision stands and the deviation is reported.
  if (!origin) return `item ${linkId}: the answer has no information-origin extension`;
  const subs = Array.isArray(origin['extension']) ? (origin['extension'] as unknown[]) : [];
  const source = subs.find((s) => isObject(s) && s['url'] === 'source') as Json | undefined;
  const code = source?.['valueCode'];
  if (!ORIGIN_SOURCES.includes(code as OriginSource))
    return `item ${linkId}: information-origin.source must be one of ${ORIGIN_SOURCES.join(', ')}`;
  const author = subs.some((s) => isObject(s) && s['url'] === 'author');
  const human = code === 'override' || code === 'manual';
  if (human !== author)
    return `item ${linkId}: information-origin ${String(code)} ${human ? 'needs' : 'must not have'} an author (dtrx-1)`;
  return undefined;
}

/**
 * The answers in a client's QR to the items the session asked. Each asked item needs exactly one
 * answer, a valueCoding from its answer options (Yes, No, Not known yet); an item the session
 * never asked is refused, as is any other answer (spec-147: 400). Display items the form itself
 * holds (help texts, the decision) may be echoed back without answers.
 */
export function readAnswers(qr: unknown, asked: readonly QuestionV1[]): ReadAnswersResult {
  const fail = (expression: string, message: string): ReadAnswersResult => ({
    ok: false,
    problem: { expression, message },
  });
  if (!isObject(qr) || qr['resourceType'] !== 'QuestionnaireResponse')
    return fail('QuestionnaireResponse', 'the resource is not a QuestionnaireResponse');
  const items = qr['item'] ?? [];
  if (!Array.isArray(items))
    return fail('QuestionnaireResponse.item', 'item must be an array of answered items');
  const askedIds = new Set(asked.map((q) => q.fact));
  const displayIds = new Set([DETERMINATION_LINK_ID, ...asked.map((q) => `${q.fact}.help`)]);
  const seen = new Map<string, number>();
  const answers: ReadAnswer[] = [];
  const warnings: string[] = [];
  for (const [i, item] of items.entries()) {
    const at = `QuestionnaireResponse.item[${i}]`;
    if (!isObject(item) || typeof item['linkId'] !== 'string')
      return fail(`${at}.linkId`, 'every item needs a linkId');
    const linkId = item['linkId'];
    const answer = item['answer'];
    if (displayIds.has(linkId)) {
      if (answer !== undefined)
        return fail(`${at}.answer`, `item ${linkId} is a display item and takes no answer`);
      continue;
    }
    if (!askedIds.has(linkId))
      return fail(
        `${at}.linkId`,
        `item ${linkId} was not asked in this session; answer only the items of the contained Questionnaire (${[...askedIds].join(', ') || 'none yet'})`,
      );
    if (seen.has(linkId))
      return fail(`${at}.linkId`, `item ${linkId} occurs twice; give each asked item once`);
    seen.set(linkId, i);
    if (!Array.isArray(answer) || answer.length !== 1)
      return fail(
        `${at}.answer`,
        `item ${linkId} needs exactly one answer (found ${Array.isArray(answer) ? answer.length : 0})`,
      );
    const a: unknown = answer[0];
    const valueKeys = isObject(a) ? Object.keys(a).filter((k) => k.startsWith('value')) : [];
    const code = (Object.keys(ANSWER) as AnswerCode[]).find(
      (c) => isObject(a) && sameCoding(a['valueCoding'], ANSWER[c]),
    );
    if (!isObject(a) || valueKeys.length !== 1 || valueKeys[0] !== 'valueCoding' || !code)
      return fail(
        `${at}.answer[0]`,
        `item ${linkId}: the answer must be a valueCoding of its answer options: ${Object.values(
          ANSWER,
        )
          .map((c) => `${c.system}|${c.code}`)
          .join(', ')}`,
      );
    if (a['item'] !== undefined)
      return fail(`${at}.answer[0].item`, `item ${linkId}: the answer has no nested items`);
    const origin = (Array.isArray(a['extension']) ? (a['extension'] as unknown[]) : []).find(
      (e): e is Extension => isObject(e) && e['url'] === INFORMATION_ORIGIN_URL,
    );
    const w = originWarning(origin, linkId);
    if (w) warnings.push(w);
    answers.push({ linkId, code, ...(origin ? { origin } : {}) });
  }
  const unanswered = [...askedIds].filter((id) => !seen.has(id));
  if (unanswered.length > 0)
    return fail(
      'QuestionnaireResponse.item',
      `item ${unanswered[0]} is required and has no answer; answer Yes, No or Not known yet`,
    );
  // Answers in the order the items were asked, whatever order the client sent them in.
  const order = [...askedIds];
  answers.sort((x, y) => order.indexOf(x.linkId) - order.indexOf(y.linkId));
  const facts: Record<string, boolean> = {};
  const unknown: string[] = [];
  for (const a of answers)
    if (a.code === 'ASKU') unknown.push(a.linkId);
    else facts[a.linkId] = a.code === 'Y';
  return { ok: true, answers, facts, unknown, warnings };
}
