// The answers a PAS Claim carries: QuestionnaireResponses attached as
// supportingInfo[AdditionalInformation] (PAS 2.2.1 Claim.fsh lines 211–228: category
// PASTempCodes#additionalInformation, value a Reference to a resource in the Bundle) become the
// facts of the items they answer for (docs/design/dtr-19.md §B.6, §D.6). A QR's DTR `qr-context`
// names the order it answers for; a QR without one answers for every item.
import type { QuestionV1 } from '../../model/determination.js';
import { describeConflict, mergeFacts, type FactSource } from '../../questions/answers.js';
import { asArray, isObject, refKey, resourceKey, str, type Json } from '../cdshooks/fhir.js';
import { QR_CONTEXT_URL, readAnswers } from '../dtr/questionnaire-response.js';
import { DETERMINATION_LINK_ID } from '../dtr/questionnaire.js';

export const PAS_TEMP_CODES = 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes';

/** One QuestionnaireResponse the Claim points to. */
export interface SupportingResponse {
  /** How notes and the record name it: its identifier value, else its id, else its fullUrl. */
  name: string;
  resource: Json;
  /** The qr-context reference as sent, when there is one. */
  context?: string;
  /** The Bundle's resource that context resolves to, when it is in the Bundle. */
  contextResource?: Json;
}

export interface BundleLookup {
  resolve(ref: unknown): Json | undefined;
  urlOf(r: Json): string | undefined;
}

function isAdditionalInformation(info: Json): boolean {
  const category = info['category'];
  const codings = isObject(category) ? asArray(category['coding']) : [];
  return codings.some(
    (c) => isObject(c) && c['system'] === PAS_TEMP_CODES && c['code'] === 'additionalInformation',
  );
}

/** Every QuestionnaireResponse the Claim's additional information points to, in Claim order. */
export function supportingResponses(claim: Json, bundle: BundleLookup): SupportingResponse[] {
  const out: SupportingResponse[] = [];
  for (const info of asArray(claim['supportingInfo']).filter(isObject)) {
    if (!isAdditionalInformation(info)) continue;
    const r = bundle.resolve(info['valueReference']);
    if (!r || r['resourceType'] !== 'QuestionnaireResponse') continue;
    if (out.some((o) => o.resource === r)) continue;
    const identifier = asArray(r['identifier']).find(isObject) ?? r['identifier'];
    const name =
      (isObject(identifier) ? str(identifier['value']) : undefined) ??
      str(r['id']) ??
      bundle.urlOf(r) ??
      `supportingInfo ${String(info['sequence'])}`;
    const ext = asArray(r['extension']).find((e) => isObject(e) && e['url'] === QR_CONTEXT_URL);
    const ref = isObject(ext) ? ext['valueReference'] : undefined;
    const context = isObject(ref) ? str(ref['reference']) : undefined;
    const response: SupportingResponse = { name, resource: r };
    if (context) {
      response.context = context;
      const resolved = bundle.resolve(ref);
      if (resolved) response.contextResource = resolved;
    }
    out.push(response);
  }
  return out;
}

/** The responses that answer for an item: those whose qr-context is its requested service, and those without one. */
export function responsesForItem(
  responses: readonly SupportingResponse[],
  service: Json | undefined,
): SupportingResponse[] {
  return responses.filter((r) => {
    if (r.context === undefined) return true;
    if (!service) return false;
    if (r.contextResource) return r.contextResource === service;
    const key = refKey({ reference: r.context });
    return key !== undefined && key === resourceKey(service);
  });
}

export type ItemAnswers =
  | { kind: 'none' }
  | {
      kind: 'facts';
      facts: Record<string, boolean>;
      /** Facts a response answered "Not known yet" and no other response answered. */
      unknown: string[];
      responses: string[];
      /** Deviations the answers were accepted with (e.g. no information-origin). */
      warnings: string[];
    }
  | { kind: 'problem'; responses: string[]; message: string };

const qrName = (r: SupportingResponse) => `QuestionnaireResponse ${r.name}`;

/**
 * The facts the responses give for the questions of the deciding policy version. Items that are
 * not questions of that version belong to another form (another policy, the standard form's
 * product item) and are left out. A response not `completed`, an answer that cannot be read, or
 * two responses disagreeing on a fact is a problem: the item is pended, never guessed.
 */
export function answersForItem(
  responses: readonly SupportingResponse[],
  questions: readonly QuestionV1[],
): ItemAnswers {
  if (responses.length === 0) return { kind: 'none' };
  const names = responses.map((r) => r.name);
  const open = responses.filter((r) => r.resource['status'] !== 'completed');
  if (open.length > 0)
    return {
      kind: 'problem',
      responses: names,
      message: `${open
        .map((r) => `${qrName(r)} is ${String(r.resource['status'] ?? 'without a status')}`)
        .join('; ')}, not completed: its answers are not final`,
    };
  const facts = new Set(questions.map((q) => q.fact));
  const displays = new Set([DETERMINATION_LINK_ID, ...questions.map((q) => `${q.fact}.help`)]);
  const sources: FactSource[] = [];
  const unknown = new Set<string>();
  const warnings: string[] = [];
  for (const r of responses) {
    const items = asArray(r.resource['item']).filter(
      (i) => isObject(i) && (facts.has(String(i['linkId'])) || displays.has(String(i['linkId']))),
    );
    const answered = new Set(items.map((i) => String((i as Json)['linkId'])));
    const asked = questions.filter((q) => answered.has(q.fact));
    const read = readAnswers({ ...r.resource, item: items }, asked);
    if (!read.ok)
      return {
        kind: 'problem',
        responses: names,
        message: `${qrName(r)} cannot be read: ${read.problem.message}`,
      };
    sources.push({ name: qrName(r), facts: read.facts });
    for (const f of read.unknown) unknown.add(f);
    for (const w of read.warnings) warnings.push(`${qrName(r)}: ${w}`);
  }
  const merged = mergeFacts(sources);
  if (!merged.ok)
    return {
      kind: 'problem',
      responses: names,
      message: `the QuestionnaireResponses disagree: ${merged.conflicts.map(describeConflict).join('; ')}`,
    };
  return {
    kind: 'facts',
    facts: merged.facts,
    unknown: [...unknown].filter((f) => merged.facts[f] === undefined),
    responses: names,
    warnings,
  };
}
