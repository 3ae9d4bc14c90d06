// Da Vinci PAS: POST [base]/Claim/$submit takes a PAS request Bundle (Claim first) and answers
// with a PAS response Bundle (ClaimResponse first). Each Claim item is decided by the same path
// CRD uses — FHIR → CoverageRequest → decideRequest — and carries an X12 306 reviewAction:
// A1 certified, A3 not certified (with the policy's reason), A4 pended (a person must look).
import type { DeterminationV1, QuestionV1 } from '../../model/determination.js';
import { questionsOfVersion } from '../../questions/questions.js';
import { decideRequest } from '../../service/decide-request.js';
import type { DecisionContext } from '../../service/load-context.js';
import { COVERAGE_INFORMATION_URL, policyName } from '../cdshooks/coverage-information.js';
import { loadCoverageMap, selectCoverage, type CoverageMap } from '../cdshooks/coverage-map.js';
import { orderToCoverageRequest } from '../cdshooks/fhir-to-coverage-request.js';
import {
  asArray,
  codings,
  isObject,
  isResource,
  refKey,
  resourceKey,
  str,
  type Json,
} from '../cdshooks/fhir.js';
import { questionnaireUrl, questionnaireVersion } from '../dtr/questionnaire.js';
import { operationOutcome } from './operation-outcome.js';
import {
  answersForItem,
  responsesForItem,
  supportingResponses,
  type ItemAnswers,
} from './supporting-answers.js';

/** FHIR R4 positiveInt: a 32-bit signed integer above zero. */
const MAX_POSITIVE_INT = 2_147_483_647;

export const REVIEW_ACTION_URL =
  'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';
export const REQUESTED_SERVICE_URL =
  'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-requestedService';
export const X12_306 = 'https://codesystem.x12.org/005010/306';
/** 2000F TRN: the submitter's trace number of an item, echoed on the answer's item (MS). */
export const ITEM_TRACE_NUMBER_URL =
  'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-itemTraceNumber';
/** The UMO's reference for a disallowed (here: pended) outcome of an item. */
export const ADMINISTRATION_REFERENCE_URL =
  'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-administrationReferenceNumber';
/**
 * X12 TRN03 of this service: "9" (a user-assigned originating company identifier) and nine
 * characters, ten in all. ClaimResponse.identifier.system "Should use a scheme of
 * 'urn:trnorg:<TRN03>'" (PAS 2.2.1 input/fsh/ClaimResponse.fsh); an operator with its own TRN03
 * (e.g. "1" + its EIN) passes it as PasDeps.traceOriginator.
 */
export const DEFAULT_TRACE_ORIGINATOR = '9MEDPOLICY';

// Displays as the PAS IG's examples spell them (PAS 2.2.1 input/fsh/Examples.fsh: A1 "Certified
// in total"; A4 "Pending" in PractitionerRequestorPendingResponseExample).
export const REVIEW_ACTIONS = {
  certified: { code: 'A1', display: 'Certified in total' },
  notCertified: { code: 'A3', display: 'Not Certified' },
  pended: { code: 'A4', display: 'Pending' },
} as const;
export type ReviewAction = keyof typeof REVIEW_ACTIONS;

/** What is stored per ClaimResponse: the response and, per item, its decision. */
export interface PasClaimResponseRecordV1 {
  id: string;
  createdAt: string;
  payer?: string;
  /** The submitter's Bundle identifier (their transaction id). */
  submitterTransaction?: { system?: string; value?: string };
  items: {
    sequence: number;
    reviewAction: (typeof REVIEW_ACTIONS)[ReviewAction]['code'];
    coverageAssertionId: string;
    /** The CoverageRequest decided: codes, dates and product, no member identifiers. */
    request?: unknown;
    determination?: DeterminationV1;
    /** The facts the item was decided with, from the QuestionnaireResponses named beside them. */
    facts?: Record<string, boolean>;
    /** The QuestionnaireResponses that answered for the item (identifier value, id or fullUrl). */
    questionnaireResponses?: string[];
  }[];
  claimResponse: Json;
}

/** Storage port; implemented on the audit store. */
export interface PasRecordStore {
  saveClaimResponse(record: PasClaimResponseRecordV1): Promise<void>;
  getClaimResponse(id: string): Promise<unknown | undefined>;
}

export interface PasDeps {
  ctx: DecisionContext;
  store: PasRecordStore;
  now: () => Date;
  newId: () => string;
  policyUrl?: (policyId: string) => string;
  /** The server's public URL: a pended item names the DTR questionnaire under it. */
  publicUrl?: string;
  coverageMap?: CoverageMap;
  /** The decision path; defaults to the service's decideRequest. */
  decide?: typeof decideRequest;
  /** X12 TRN03 naming this service in ClaimResponse.identifier; DEFAULT_TRACE_ORIGINATOR. */
  traceOriginator?: string;
}

export interface PasResult {
  status: number;
  body: unknown;
}

const bad = (message: string, expression?: string): PasResult => ({
  status: 400,
  body: operationOutcome('invalid', message, expression),
});

class BundleIndex {
  private byKey = new Map<string, Json>();
  private fullUrl = new Map<Json, string>();
  constructor(entries: Json[]) {
    for (const e of entries) {
      const r = e['resource'] as Json;
      const url = str(e['fullUrl']);
      if (url) {
        this.byKey.set(url, r);
        this.fullUrl.set(r, url);
      }
      const k = resourceKey(r);
      if (k && !this.byKey.has(k)) this.byKey.set(k, r);
    }
  }
  resolve(ref: unknown): Json | undefined {
    const raw = isObject(ref) ? str(ref['reference']) : undefined;
    if (!raw) return undefined;
    return this.byKey.get(raw) ?? (refKey(ref) ? this.byKey.get(refKey(ref)!) : undefined);
  }
  urlOf(r: Json): string | undefined {
    return this.fullUrl.get(r);
  }
  resourcesByKey(): Map<string, Json> {
    const m = new Map<string, Json>();
    for (const r of this.fullUrl.keys()) {
      const k = resourceKey(r);
      if (k) m.set(k, r);
    }
    return m;
  }
}

export async function submitPasBundle(bundle: unknown, deps: PasDeps): Promise<PasResult> {
  if (!isObject(bundle) || bundle['resourceType'] !== 'Bundle')
    return bad('the body must be a PAS request Bundle');
  if (bundle['type'] !== 'collection') return bad('Bundle.type must be collection', 'Bundle.type');
  if (!isObject(bundle['identifier']))
    return bad('Bundle.identifier (the submitter transaction id) is required', 'Bundle.identifier');
  if (!str(bundle['timestamp'])) return bad('Bundle.timestamp is required', 'Bundle.timestamp');
  const entries = asArray(bundle['entry']);
  if (entries.length === 0) return bad('the Bundle has no entries', 'Bundle.entry');
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (!isObject(e) || !isResource(e['resource']))
      return bad(`Bundle.entry[${i}] needs a resource`, `Bundle.entry[${i}]`);
    if (!str(e['fullUrl']))
      return bad(`Bundle.entry[${i}] needs a fullUrl`, `Bundle.entry[${i}].fullUrl`);
  }
  const claim = (entries[0] as Json)['resource'] as Json;
  if (claim['resourceType'] !== 'Claim')
    return bad('the first entry must be the Claim', 'Bundle.entry[0].resource');
  if (claim['use'] !== 'preauthorization')
    return bad('Claim.use must be preauthorization', 'Claim.use');
  const items = asArray(claim['item']);
  if (items.length === 0) return bad('Claim.item is required', 'Claim.item');
  const sequences = new Set<number>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (
      !isObject(it) ||
      typeof it['sequence'] !== 'number' ||
      !Number.isInteger(it['sequence']) ||
      it['sequence'] < 1 ||
      it['sequence'] > MAX_POSITIVE_INT
    )
      return bad(
        `Claim.item[${i}].sequence must be a FHIR positiveInt (1 to ${MAX_POSITIVE_INT})`,
        `Claim.item[${i}].sequence`,
      );
    // Each item's answer is keyed by its sequence (ClaimResponse.item.itemSequence).
    if (sequences.has(it['sequence']))
      return bad(
        `Claim.item[${i}].sequence ${it['sequence']} is used by an earlier item; each item needs its own`,
        `Claim.item[${i}].sequence`,
      );
    sequences.add(it['sequence']);
  }
  const index = new BundleIndex(entries as Json[]);
  const insurance = asArray(claim['insurance']).filter(isObject);
  const focal = insurance.find((i) => i['focal'] === true) ?? insurance[0];
  const coverage = focal ? index.resolve(focal['coverage']) : undefined;
  if (!coverage || coverage['resourceType'] !== 'Coverage')
    return bad(
      'Claim.insurance (focal) must reference a Coverage included in the Bundle',
      'Claim.insurance',
    );
  if (!isObject(claim['patient'])) return bad('Claim.patient is required', 'Claim.patient');

  // A bug or a store outage throws on to the transport (logged; 500 or 503, no request echoed).
  return decideClaim(bundle, claim, coverage, index, deps);
}

interface ItemDecision {
  sequence: number;
  /** The Claim item's itemTraceNumber extensions, echoed as sent. */
  traces: Json[];
  action: ReviewAction;
  note: string;
  reason?: string;
  number?: string;
  coverageAssertionId: string;
  request?: unknown;
  determination?: DeterminationV1;
  facts?: Record<string, boolean>;
  questionnaireResponses?: string[];
}

async function decideClaim(
  bundle: Json,
  claim: Json,
  coverage: Json,
  index: BundleIndex,
  deps: PasDeps,
): Promise<PasResult> {
  const map = deps.coverageMap ?? loadCoverageMap();
  const now = deps.now();
  const today = now.toISOString().slice(0, 10);
  const resources = index.resourcesByKey();
  // The insurer Organization names the payer when the Coverage's payor does not.
  const insurer = index.resolve(claim['insurer']);
  const cov: Json = { ...coverage };
  if (insurer && asArray(cov['payor']).length === 0)
    cov['payor'] = [{ reference: resourceKey(insurer) }];
  const orgs = new Map([...resources].filter(([k]) => k.startsWith('Organization/')));
  const selection = selectCoverage([cov], map, orgs, undefined);

  const diagnoses = asArray(claim['diagnosis'])
    .filter(isObject)
    .sort((a, b) => Number(a['sequence'] ?? 0) - Number(b['sequence'] ?? 0));
  const responses = supportingResponses(claim, index);
  const decisions: ItemDecision[] = [];
  for (const raw of asArray(claim['item']).filter(isObject)) {
    const sequence = raw['sequence'] as number;
    const requested = asArray(raw['extension'])
      .filter(isObject)
      .find((e) => e['url'] === REQUESTED_SERVICE_URL);
    const service = requested ? index.resolve(requested['valueReference']) : undefined;
    const assertionId = (service && carriedAssertionId(service)) ?? deps.newId();
    const traces = asArray(raw['extension']).filter(
      (e): e is Json => isObject(e) && e['url'] === ITEM_TRACE_NUMBER_URL,
    );
    const base = { sequence, traces, coverageAssertionId: assertionId };
    if (selection.kind !== 'ours') {
      decisions.push({
        ...base,
        action: 'pended',
        note: 'The coverage is not one administered here; the request is pended for review.',
      });
      continue;
    }
    const target = itemTarget(raw, service, diagnoses);
    const mapped = orderToCoverageRequest(deps.ctx, {
      resource: target,
      resources,
      coverage: selection.coverage,
      today,
    });
    if (!mapped.inScope) {
      decisions.push({
        ...base,
        request: mapped.request,
        action: 'pended',
        note: 'No medical policy served here speaks to this item; pended for clinical review.',
      });
      continue;
    }
    const decide = deps.decide ?? decideRequest;
    let result = decide(mapped.request, deps.ctx);
    let answers: ItemAnswers = { kind: 'none' };
    let questions: readonly QuestionV1[] = [];
    const applicable = responsesForItem(responses, service);
    // Answers matter only to an item whose decision waits on facts; an item decided without
    // them is not pended over a form that was not for it.
    if (result.ok && applicable.length > 0 && (result.determination.questions ?? []).length > 0) {
      questions = versionQuestions(deps.ctx, result.determination);
      answers = answersForItem(applicable, questions);
      if (answers.kind === 'facts' && Object.keys(answers.facts).length > 0)
        result = decide({ ...mapped.request, facts: answers.facts }, deps.ctx);
    }
    const answered =
      answers.kind === 'none'
        ? {}
        : {
            questionnaireResponses: answers.responses,
            ...(answers.kind === 'facts' && Object.keys(answers.facts).length > 0
              ? { facts: answers.facts }
              : {}),
          };
    if (!result.ok) {
      decisions.push({
        ...base,
        ...answered,
        request: mapped.request,
        action: 'pended',
        note: `The item could not be decided as sent: ${result.error.error.detail}`,
      });
      continue;
    }
    const d = result.determination;
    const label = selection.coverage.label ?? d.payer;
    const policy = policyName(d, label);
    const link = d.policy && deps.policyUrl ? ` ${deps.policyUrl(d.policy.id)}` : '';
    const common = { ...base, ...answered, request: mapped.request, determination: d };
    if (answers.kind === 'problem') {
      decisions.push({
        ...common,
        action: 'pended',
        note: `Pended: ${answers.message}.`,
      });
      continue;
    }
    const deviations =
      answers.kind === 'facts' && answers.warnings.length > 0
        ? ` Accepted with deviations: ${answers.warnings.join('; ')}.`
        : '';
    const decided = factDecision(d, questions);
    const quoted = (qs: string[]) => qs.map((q) => `“${q}”`).join(' ');
    switch (d.outcome) {
      case 'covered': {
        const noAuth = d.priorAuth === 'not-applicable' || d.priorAuth === 'not-required';
        const because = decided
          ? `: ${decided.answer}. The policy states: ${quoted([decided.quote])}.`
          : '.';
        decisions.push({
          ...common,
          action: 'certified',
          number: deps.newId(),
          note: `Certified under ${policy}${because}${decided && noAuth ? ' The policy requires no prior authorization.' : ''}${deviations}${link}`,
        });
        break;
      }
      case 'not-covered': {
        const basis = deps.ctx.terminology.bases.phrase(d.basis ?? 'not-covered');
        const cited = d.reasons
          .map((r) => r.citation?.quote.replace(/\s+/g, ' '))
          .filter((q): q is string => q !== undefined);
        // A fact-decided answer quotes the fact's sentence, then the statement that decided
        // once the fact sent it back to the policy (FEP "no": MP-446's investigational line).
        const quotes = decided
          ? [
              decided.quote,
              ...cited.filter((q) => q !== decided.quote && !decided.allQuotes.has(q)).slice(0, 1),
            ]
          : cited.slice(0, 1);
        const answer = decided ? `: ${decided.answer}.` : '.';
        decisions.push({
          ...common,
          action: 'notCertified',
          reason: `${basis}: ${quotes.length > 0 ? quotes.join(' ') : policy}`,
          note: `Not certified: ${basis} under ${policy}${answer}${quotes.length > 0 ? ` The policy states: ${quoted(quotes)}` : ''}${deviations}${link}`,
        });
        break;
      }
      case 'conditional': {
        const open = d.questions ?? [];
        if (open.length === 0) {
          decisions.push({
            ...common,
            action: 'pended',
            note: `Pended: ${d.basis ? deps.ctx.terminology.bases.phrase(d.basis) : 'coverage is conditional'} (${policy}).`,
          });
          break;
        }
        const form =
          d.policy && deps.publicUrl
            ? ` (questionnaire ${questionnaireUrl(deps.publicUrl, d.policy.id)}|${questionnaireVersion(d.policy.version, d.revision)})`
            : '';
        const notKnown =
          answers.kind === 'facts' && answers.unknown.length > 0
            ? ` ${answers.responses.map((n) => `QuestionnaireResponse ${n}`).join(', ')} answered “Not known yet”.`
            : '';
        decisions.push({
          ...common,
          action: 'pended',
          note: `Pended: ${policy} needs an answer to: ${open.map((q) => q.text).join(' ')}${form}.${notKnown}${deviations}`,
        });
        break;
      }
      case 'needs-info':
        decisions.push({
          ...common,
          action: 'pended',
          note: `Pended: ${policy} needs ${d.missing.join(', ')} to decide.`,
        });
        break;
      case 'out-of-scope':
        decisions.push({
          ...common,
          action: 'pended',
          note: `Pended: ${policy} does not decide this item for this product or indication${d.referTo.length ? `; see policy ${d.referTo.map((r) => `#${r}`).join(', ')}` : ''}.`,
        });
        break;
    }
  }

  const id = deps.newId();
  const claimResponse = buildClaimResponse(id, claim, coverage, index, decisions, now, deps);
  const record: PasClaimResponseRecordV1 = {
    id,
    createdAt: now.toISOString(),
    items: decisions.map((d) => {
      const item: PasClaimResponseRecordV1['items'][number] = {
        sequence: d.sequence,
        reviewAction: REVIEW_ACTIONS[d.action].code,
        coverageAssertionId: d.coverageAssertionId,
      };
      if (d.request !== undefined) item.request = d.request;
      if (d.determination) item.determination = d.determination;
      if (d.facts) item.facts = d.facts;
      if (d.questionnaireResponses) item.questionnaireResponses = d.questionnaireResponses;
      return item;
    }),
    claimResponse,
  };
  if (selection.kind === 'ours' && selection.coverage.payer)
    record.payer = selection.coverage.payer;
  const ident = bundle['identifier'] as Json;
  record.submitterTransaction = {
    ...(str(ident['system']) ? { system: String(ident['system']) } : {}),
    ...(str(ident['value']) ? { value: String(ident['value']) } : {}),
  };
  await deps.store.saveClaimResponse(record);

  // Echo the resources the ClaimResponse references, under the request's fullUrls (PAS spec-33).
  const echoed: Json[] = [];
  for (const ref of [claim['patient'], claim['insurer'], claim['provider']]) {
    const r = index.resolve(ref);
    if (r && !echoed.some((e) => e['resource'] === r))
      echoed.push({ fullUrl: index.urlOf(r), resource: r });
  }
  return {
    status: 200,
    body: {
      resourceType: 'Bundle',
      identifier: bundle['identifier'],
      type: 'collection',
      timestamp: now.toISOString(),
      entry: [{ fullUrl: `urn:uuid:${id}`, resource: claimResponse }, ...echoed],
    },
  };
}

/** Every question the deciding policy version can ask: the facts a QR may answer for it. */
function versionQuestions(ctx: DecisionContext, d: DeterminationV1): QuestionV1[] {
  const policy = d.policy && ctx.policySet.policies.find((p) => p.id === d.policy!.id);
  const version = policy?.versions.find((v) => v.id === d.policy!.version);
  if (!version) return [];
  const seen = new Map<string, QuestionV1>();
  for (const g of questionsOfVersion(version))
    for (const q of g.questions) if (!seen.has(q.fact)) seen.set(q.fact, q);
  return [...seen.values()];
}

/**
 * The fact that decided the answer, when one did: the engine cites the fact's sentence first,
 * under the rule `fact:<id>`. The answer is said in the fact's own words for its value.
 */
function factDecision(
  d: DeterminationV1,
  questions: readonly QuestionV1[],
): { answer: string; quote: string; allQuotes: Set<string> } | undefined {
  const factReasons = d.reasons.filter((r) => r.rule?.startsWith('fact:') && r.citation);
  const first = factReasons[0];
  if (!first || !d.facts) return undefined;
  const fact = first.rule!.slice('fact:'.length);
  const value = d.facts[fact];
  const q = questions.find((x) => x.fact === fact);
  if (value === undefined || !q) return undefined;
  const norm = (t: string) => t.replace(/\s+/g, ' ');
  return {
    answer: value ? q.answers.yes : q.answers.no,
    quote: norm(first.citation!.quote),
    allQuotes: new Set(factReasons.map((r) => norm(r.citation!.quote))),
  };
}

/** The coverage-assertion-id CRD put on the requested service, carried into PAS (CRD resp-31). */
function carriedAssertionId(r: Json): string | undefined {
  for (const e of asArray(r['extension']))
    if (isObject(e) && e['url'] === COVERAGE_INFORMATION_URL)
      for (const s of asArray(e['extension']))
        if (isObject(s) && s['url'] === 'coverage-assertion-id' && str(s['valueString']))
          return String(s['valueString']);
  return undefined;
}

/** What to decide for an item: its requested service, with the Claim's codes, diagnoses and date. */
function itemTarget(item: Json, service: Json | undefined, diagnoses: Json[]): Json {
  const pointers = asArray(item['diagnosisSequence']).filter(
    (n): n is number => typeof n === 'number',
  );
  const chosen =
    pointers.length > 0
      ? pointers.map((n) => diagnoses.find((d) => d['sequence'] === n)).filter(isObject)
      : diagnoses;
  const reasonCode = chosen.map((d) => d['diagnosisCodeableConcept']).filter(isObject);
  const date =
    str(item['servicedDate']) ??
    (isObject(item['servicedPeriod']) ? str(item['servicedPeriod']['start']) : undefined);
  const base: Json = service
    ? { ...service }
    : { resourceType: 'ServiceRequest', id: `item-${String(item['sequence'])}` };
  if (base['resourceType'] === 'ServiceRequest') {
    const extra = codings(item['productOrService']);
    const own = codings(base['code']);
    base['code'] = {
      ...(isObject(base['code']) ? base['code'] : {}),
      coding: [...own, ...extra.filter((c) => !own.some((o) => o.code === c.code))],
    };
    if (isObject(item['locationCodeableConcept']) && base['locationCode'] === undefined)
      base['locationCode'] = [item['locationCodeableConcept']];
    if (date) base['occurrenceDateTime'] = date;
  } else if (date && base['resourceType'] === 'MedicationRequest') {
    base['dispenseRequest'] = {
      ...(isObject(base['dispenseRequest']) ? base['dispenseRequest'] : {}),
      validityPeriod: { start: date },
    };
  }
  if (
    asArray(base['reasonCode']).length === 0 &&
    asArray(base['reasonReference']).length === 0 &&
    reasonCode.length > 0
  )
    base['reasonCode'] = reasonCode;
  return base;
}

function buildClaimResponse(
  id: string,
  claim: Json,
  coverage: Json,
  index: BundleIndex,
  decisions: ItemDecision[],
  now: Date,
  deps: PasDeps,
): Json {
  const notes: Json[] = [];
  const items = decisions.map((d) => {
    notes.push({ number: notes.length + 1, type: 'display', text: d.note });
    const reviewAction: Json[] = [
      {
        url: 'code',
        valueCodeableConcept: { coding: [{ system: X12_306, ...REVIEW_ACTIONS[d.action] }] },
      },
    ];
    if (d.number) reviewAction.push({ url: 'number', valueString: d.number });
    const adjudication: Json = {
      category: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'submitted' },
        ],
      },
      extension: [{ url: REVIEW_ACTION_URL, extension: reviewAction }],
    };
    if (d.reason) adjudication['reason'] = { text: d.reason };
    // The trace numbers come back as sent (PAS ClaimResponse item.extension[itemTraceNumber],
    // must-support); a pended item carries the reference to quote when asking after it, as the
    // IG's pended example does (administrationReferenceNumber "PEND0001").
    const extension: Json[] = [...d.traces];
    if (d.action === 'pended')
      extension.push({ url: ADMINISTRATION_REFERENCE_URL, valueString: deps.newId() });
    const item: Json = {
      itemSequence: d.sequence,
      noteNumber: [notes.length],
      adjudication: [adjudication],
    };
    return extension.length > 0 ? { extension, ...item } : item;
  });
  const claimUrl = index.urlOf(claim);
  const out: Json = {
    resourceType: 'ClaimResponse',
    id,
    identifier: [
      { system: `urn:trnorg:${deps.traceOriginator ?? DEFAULT_TRACE_ORIGINATOR}`, value: id },
    ],
    status: 'active',
    type: claim['type'] ?? {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' },
      ],
    },
    use: 'preauthorization',
    patient: claim['patient'],
    created: now.toISOString(),
    // R4 ClaimResponse.insurer is 1..1: the Claim's insurer, else the Coverage's payor.
    insurer: claim['insurer'] ?? asArray(coverage['payor']).find(isObject),
    requestor: claim['provider'],
    request:
      claimUrl && !claimUrl.startsWith('urn:')
        ? { reference: claimUrl }
        : resourceKey(claim)
          ? { reference: resourceKey(claim) }
          : { identifier: asArray(claim['identifier'])[0] },
    // Processing is complete even when items are pended: the pend is the item's review action
    // (PAS 2.2.1 PractitionerRequestorPendingResponseExample: outcome complete, A4). 'partial'
    // would claim some items failed processing.
    outcome: 'complete',
    item: items,
    processNote: notes,
  };
  const certified = decisions.find((d) => d.number);
  if (certified) out['preAuthRef'] = certified.number;
  for (const k of ['requestor', 'type']) if (out[k] === undefined) delete out[k];
  return out;
}

/** GET [base]/ClaimResponse/{id}. */
export async function readClaimResponse(
  id: string,
  deps: { store: PasRecordStore },
): Promise<PasResult> {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) return bad('not a FHIR id');
  const found = await deps.store.getClaimResponse(id);
  if (found === undefined)
    return { status: 404, body: operationOutcome('not-found', `ClaimResponse/${id} is not known`) };
  return { status: 200, body: found };
}
