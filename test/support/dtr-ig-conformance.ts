// An independent check of what the DTR adapter emits against the Da Vinci DTR and PAS profiles,
// written from the IGs' FSH sources, not from the adapter's own tables, so a code or shape the
// adapter wrongly believes valid is caught here. The R4 validator (./fhir-r4.ts) does structure,
// cardinality and FHIRPath invariants but no required bindings and no IG profile; this file does
// the rest (docs/design/dtr-19.md §B.1–B.4, B.6):
//   DTR 2.2.0: https://github.com/HL7/davinci-dtr/tree/ef91b18f51bd90ecdf5c66c8ee1c36de1962bbb0/input/fsh
//     DTRQuestionnaireBase.fsh, DTRQuestionnaireAdapt.fsh, DTRQuestionnaireAdaptSearch.fsh,
//     DTRQuestionnaireStandard.fsh, DTRQuestionnaireResponse.fsh, DTRQuestionnaireResponseAdapt.fsh,
//     DTRQuestionnairePackageBundle.fsh, DTRParameters.fsh, DTRExtensions.fsh, DTRInvariants.fsh,
//     DTRCodeSystems.fsh
//   PAS 2.2.1: https://github.com/HL7/davinci-pas/tree/46be73e4/input/fsh
//     ClaimResponse.fsh, Claim.fsh, Terminology.fsh, Examples.fsh
//   R4 core required bindings (medplum skips them): publication-status, item-type,
//     questionnaire-enable-operator, questionnaire-enable-behavior,
//     questionnaire-answers-status, bundle-type, fm-status, claim-use, remittance-outcome.
// "Project" marks a rule of ours (§B), not of the IG, and says so in its message.
import { coverageInformationProblems, type IgVersion } from './crd-ig-conformance.js';

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objs = (v: unknown): J[] => arr(v).filter(isObj);
const exts = (r: J, url: string): J[] => objs(r['extension']).filter((e) => e['url'] === url);
const valueKeys = (e: J) => Object.keys(e).filter((k) => k.startsWith('value'));

const DTR_SD = 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition';
const SDC_SD = 'http://hl7.org/fhir/uv/sdc/StructureDefinition';
const URL = {
  adaptive: `${SDC_SD}/sdc-questionnaire-questionnaireAdaptive`,
  assemble: `${SDC_SD}/sdc-questionnaire-assemble-expectation`,
  endpoint: `${SDC_SD}/sdc-questionnaire-endpoint`,
  optionalDisplay: `${SDC_SD}/sdc-questionnaire-optionalDisplay`,
  audience: `${DTR_SD}/questionnaireAudience`,
  completion: `${DTR_SD}/estimated-completion-time`,
  itemControl: 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl',
  supportHyperlink: 'http://hl7.org/fhir/StructureDefinition/questionnaire-supportHyperlink',
  qrCoverage: `${DTR_SD}/qr-coverage`,
  qrContext: `${DTR_SD}/qr-context`,
  intendedUse: `${DTR_SD}/intendedUse`,
  origin: `${DTR_SD}/information-origin`,
  coverageInformation:
    'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information',
  reviewAction: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction',
  documentInformation:
    'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-documentInformation',
  administrationReference:
    'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-administrationReferenceNumber',
};
export const DTR_PROFILES = {
  'adapt-search': `${DTR_SD}/dtr-questionnaire-adapt-search`,
  adapt: `${DTR_SD}/dtr-questionnaire-adapt`,
  standard: `${DTR_SD}/dtr-std-questionnaire`,
} as const;
export type QuestionnaireKind = keyof typeof DTR_PROFILES;

// R4 required bindings.
const PUBLICATION_STATUS = ['draft', 'active', 'retired', 'unknown'];
const ITEM_TYPES = [
  'group',
  'display',
  'boolean',
  'decimal',
  'integer',
  'date',
  'dateTime',
  'time',
  'string',
  'text',
  'url',
  'choice',
  'open-choice',
  'attachment',
  'reference',
  'quantity',
];
const ENABLE_OPERATORS = ['exists', '=', '!=', '>', '<', '>=', '<='];
const ENABLE_BEHAVIORS = ['all', 'any'];
const QR_STATUS = ['in-progress', 'completed', 'amended', 'entered-in-error', 'stopped'];
const ITEM_CONTROL_SYSTEM = 'http://hl7.org/fhir/questionnaire-item-control';
// DTRCodeSystems.fsh lines 14–17, 29–32, 68–70.
const COMPLETION_TIMES = ['under-1min', 'under-3min', 'under-5min', 'over-5min'];
const ORIGIN_SOURCES = ['auto-client', 'auto-server', 'override', 'manual'];
const AUDIENCES = ['clinical', 'admin', 'patient'];
// CRD DocReason (DTRGlobalAliasList.fsh line 29 → CRD 2.2.1 CoverageInformationValuesets.fsh).
const DOC_REASON_SYSTEM =
  'http://hl7.org/fhir/us/davinci-crd/CodeSystem/coverage-information-codes';
const DOC_REASONS = ['withpa', 'withclaim', 'withorder', 'retain-doc', 'OTH'];
// DTRParameters.fsh line 26.
const ORDER_TYPES = [
  'Appointment',
  'Encounter',
  'CommunicationRequest',
  'DeviceRequest',
  'MedicationRequest',
  'NutritionOrder',
  'ServiceRequest',
  'SupplyRequest',
  'VisionPrescription',
];

function itemProblems(items: J[], path: string, p: string[], linkIds: Map<string, J>): void {
  for (const [i, item] of items.entries()) {
    const at = `${path}.item[${i}]`;
    const linkId = item['linkId'];
    if (typeof linkId !== 'string') p.push(`${at}: linkId is required`);
    else if (linkIds.has(linkId)) p.push(`${at}: linkId ${linkId} is not unique (que-2)`);
    else linkIds.set(linkId, item);
    // DTRQuestionnaireBase.fsh line 89: item.text 1..1, display items included.
    if (typeof item['text'] !== 'string' || item['text'].length === 0)
      p.push(`${at}: text is required (DTRQuestionnaireBase.fsh line 89)`);
    const type = String(item['type']);
    if (!ITEM_TYPES.includes(type)) p.push(`${at}: type '${type}' is not an R4 item type`);
    // Project (§B.1): no reference or quantity items, so dtrq-3/4/5 never arise.
    if (type === 'reference' || type === 'quantity')
      p.push(`${at}: project rule §B.1: no ${type} items`);
    // dtrq-2 (DTRInvariants.fsh line 8): a choice names its answers.
    if (
      (type === 'choice' || type === 'open-choice') &&
      arr(item['answerOption']).length === 0 &&
      item['answerValueSet'] === undefined
    )
      p.push(`${at}: dtrq-2: a ${type} item needs answerOption or answerValueSet`);
    // DTRQuestionnaireBase.fsh line 95: answerOption.value[x] 1..1.
    for (const [k, o] of objs(item['answerOption']).entries())
      if (valueKeys(o).length !== 1)
        p.push(`${at}.answerOption[${k}]: value[x] 1..1 (DTRQuestionnaireBase.fsh line 95)`);
    const enableWhen = objs(item['enableWhen']);
    for (const [k, w] of enableWhen.entries()) {
      if (!ENABLE_OPERATORS.includes(String(w['operator'])))
        p.push(`${at}.enableWhen[${k}]: operator '${String(w['operator'])}' is not an R4 code`);
    }
    if (
      item['enableBehavior'] !== undefined &&
      !ENABLE_BEHAVIORS.includes(String(item['enableBehavior']))
    )
      p.push(`${at}: enableBehavior '${String(item['enableBehavior'])}' is not an R4 code`);
    if (enableWhen.length > 1 && item['enableBehavior'] === undefined)
      p.push(`${at}: que-12: enableBehavior is required with several enableWhen`);
    if (type === 'display' && (item['required'] !== undefined || item['repeats'] !== undefined))
      p.push(`${at}: que-6: a display item is neither required nor repeats`);
    if (type === 'display' && item['readOnly'] !== undefined)
      p.push(`${at}: que-9: a display item is not readOnly`);
    // DTRQuestionnaireBase.fsh lines 44, 47: itemControl and supportHyperlink 0..1.
    const control = exts(item, URL.itemControl);
    if (control.length > 1) p.push(`${at}: itemControl 0..1 (DTRQuestionnaireBase.fsh line 44)`);
    for (const c of control) {
      const coding = objs(
        isObj(c['valueCodeableConcept']) ? c['valueCodeableConcept']['coding'] : [],
      );
      if (!coding.some((x) => x['system'] === ITEM_CONTROL_SYSTEM))
        p.push(`${at}: itemControl needs a coding from ${ITEM_CONTROL_SYSTEM}`);
      // SDC: a help is a display item, the child of the item it helps with.
      if (coding.some((x) => x['code'] === 'help') && type !== 'display')
        p.push(`${at}: itemControl help only on a display item`);
    }
    const links = exts(item, URL.supportHyperlink);
    if (links.length > 1) p.push(`${at}: supportHyperlink 0..1 (DTRQuestionnaireBase.fsh line 47)`);
    for (const l of links)
      if (typeof l['valueUri'] !== 'string' || !/^https?:\/\//.test(l['valueUri']))
        p.push(`${at}: supportHyperlink needs an absolute valueUri`);
    if (exts(item, URL.optionalDisplay).length > 0)
      p.push(`${at}: itemOptionalDisplay 0..0 (DTRQuestionnaireBase.fsh line 70)`);
    itemProblems(objs(item['item']), at, p, linkIds);
  }
}

/** Every departure of a generated Questionnaire from its DTR profile (and dtr-base, §B.1–B.2). */
export function questionnaireProblems(q: unknown, kind: QuestionnaireKind): string[] {
  if (!isObj(q) || q['resourceType'] !== 'Questionnaire') return ['not a Questionnaire'];
  const p: string[] = [];
  const profiles = arr(isObj(q['meta']) ? q['meta']['profile'] : []);
  if (!profiles.includes(DTR_PROFILES[kind]))
    p.push(`meta.profile does not claim ${DTR_PROFILES[kind]}`);
  if (!PUBLICATION_STATUS.includes(String(q['status'])))
    p.push(`status '${String(q['status'])}' is not an R4 publication status`);
  else if (q['status'] !== 'active') p.push('project rule §B.1: status is active');
  // DTRQuestionnaireBase.fsh lines 19–20 (adapt-search must meet it too: the package Bundle
  // types its Questionnaire as dtr-base, DTRQuestionnairePackageBundle.fsh line 24).
  const subjectType = arr(q['subjectType']);
  if (subjectType.length !== 1 || subjectType[0] !== 'Patient')
    p.push('subjectType must be exactly [Patient] (DTRQuestionnaireBase.fsh lines 19–20)');
  if (exts(q, URL.assemble).length > 0)
    p.push('assemble-expectation 0..0 (DTRQuestionnaireBase.fsh line 25)');
  if (exts(q, URL.endpoint).length > 0)
    p.push('sdc endpoint 0..0 (DTRQuestionnaireBase.fsh line 41)');
  // DTRExtensions.fsh lines 52–64: audience valueCode from DTRAudience (required).
  const audiences = exts(q, URL.audience).map((e) => String(e['valueCode']));
  for (const a of audiences)
    if (!AUDIENCES.includes(a)) p.push(`questionnaireAudience '${a}' is not a DTR audience code`);
  // DTRExtensions.fsh lines 2–26: totalTime 1..1, clinicalTime 0..1, codes from DTRCompletionTimes.
  const completion = exts(q, URL.completion);
  if (completion.length > 1)
    p.push('estimated-completion-time 0..1 (DTRQuestionnaireBase.fsh line 22)');
  for (const c of completion) {
    const total = exts(c, 'totalTime');
    if (total.length !== 1)
      p.push('estimated-completion-time.totalTime 1..1 (DTRExtensions.fsh line 11)');
    for (const t of [...total, ...exts(c, 'clinicalTime')])
      if (!COMPLETION_TIMES.includes(String(t['valueCode'])))
        p.push(
          `estimated-completion-time '${String(t['valueCode'])}' is not a DTR completion time`,
        );
    // dtrq-6 (DTRInvariants.fsh line 32).
    if (
      audiences.some((a) => a === 'clinical' || a === 'patient') &&
      exts(c, 'clinicalTime').length === 0
    )
      p.push('dtrq-6: a clinical or patient form needs estimated-completion-time.clinicalTime');
  }
  // DTRAdaptSearch.fsh lines 14–15 (1..*) and DTRQuestionnaireAdapt.fsh lines 17–18 (1..1).
  const adaptive = exts(q, URL.adaptive);
  if (kind === 'adapt-search' && adaptive.length === 0)
    p.push('questionnaireAdaptive 1..* (DTRQuestionnaireAdaptSearch.fsh line 14)');
  if (kind === 'adapt' && adaptive.length !== 1)
    p.push('questionnaireAdaptive 1..1 (DTRQuestionnaireAdapt.fsh line 17)');
  for (const a of adaptive)
    if (valueKeys(a).join() !== 'valueUrl' || !/^https?:\/\//.test(String(a['valueUrl'])))
      p.push('questionnaireAdaptive takes only an absolute valueUrl (spec-23/24)');
  if (kind === 'standard' && adaptive.length > 0) p.push('a standard form is not adaptive');
  if (kind === 'adapt') {
    // DTRQuestionnaireAdapt.fsh line 19; oper-16: version-specific.
    const derived = arr(q['derivedFrom']);
    if (derived.length === 0) p.push('derivedFrom 1..* (DTRQuestionnaireAdapt.fsh line 19)');
    for (const d of derived)
      if (typeof d !== 'string' || !/^https?:\/\/[^|]+\|.+$/.test(d))
        p.push(
          `derivedFrom '${String(d)}' is not a version-specific canonical url|version (oper-16)`,
        );
  } else {
    // oper-16: every reference to the form is version-specific, so the form has both.
    if (typeof q['url'] !== 'string' || typeof q['version'] !== 'string')
      p.push('url and version are required (oper-16: version-specific references)');
    if (!isObj(q['effectivePeriod']) || typeof q['effectivePeriod']['start'] !== 'string')
      p.push("project rule §B.1: effectivePeriod.start is the policy version's date");
  }
  const items = objs(q['item']);
  if (kind === 'adapt-search' && items.length > 0)
    p.push('item 0..0 (DTRQuestionnaireAdaptSearch.fsh line 37)');
  if (kind === 'standard' && items.length === 0)
    p.push('item 1..* (DTRQuestionnaireStandard.fsh line 7)');
  const linkIds = new Map<string, J>();
  itemProblems(items, 'Questionnaire', p, linkIds);
  for (const [linkId, item] of linkIds)
    for (const w of objs(item['enableWhen']))
      if (!linkIds.has(String(w['question'])))
        p.push(`item ${linkId}: enableWhen.question '${String(w['question'])}' names no item`);
  return p;
}

function answerProblems(qr: J, form: J | undefined, p: string[]): void {
  const formItems = new Map<string, J>();
  const index = (items: J[]) => {
    for (const i of items) {
      formItems.set(String(i['linkId']), i);
      index(objs(i['item']));
    }
  };
  if (form) index(objs(form['item']));
  const walk = (items: J[], path: string) => {
    for (const [i, item] of items.entries()) {
      const at = `${path}.item[${i}]`;
      const def = formItems.get(String(item['linkId']));
      if (form && !def)
        p.push(`${at}: linkId ${String(item['linkId'])} is not an item of the Questionnaire`);
      const answers = objs(item['answer']);
      if (def?.['type'] === 'display' && answers.length > 0)
        p.push(`${at}: a display item takes no answer`);
      if (def && answers.length > 1 && def['repeats'] !== true)
        p.push(`${at}: several answers to an item that does not repeat`);
      for (const [k, a] of answers.entries()) {
        const aat = `${at}.answer[${k}]`;
        // DTRQuestionnaireResponse.fsh line 44: information-origin 1..1.
        const origin = exts(a, URL.origin);
        if (origin.length !== 1)
          p.push(`${aat}: information-origin 1..1 (DTRQuestionnaireResponse.fsh line 44)`);
        for (const o of origin) {
          // DTRExtensions.fsh lines 124–133: source 1..1 from DTRInformationOrigins (required).
          const source = exts(o, 'source');
          if (source.length !== 1 || !ORIGIN_SOURCES.includes(String(source[0]!['valueCode'])))
            p.push(
              `${aat}: information-origin.source 1..1 from auto-client | auto-server | override | manual`,
            );
          // dtrx-1 (DTRInvariants.fsh line 44).
          const auto = ['auto-client', 'auto-server'].includes(String(source[0]?.['valueCode']));
          const author = exts(o, 'author');
          if (auto === author.length > 0)
            p.push(`${aat}: dtrx-1: an author exactly when the source is override or manual`);
          for (const au of author)
            if (exts(au, 'role').length === 0 && exts(au, 'practitioner').length === 0)
              p.push(`${aat}: information-origin.author needs a role or a practitioner (ext-1)`);
        }
        // R4/SDC: a choice answer is one of the item's answerOptions.
        if (def && objs(def['answerOption']).length > 0) {
          const coding = a['valueCoding'];
          const ok =
            objs(def['answerOption']).some(
              (o) =>
                isObj(o['valueCoding']) &&
                isObj(coding) &&
                o['valueCoding']['system'] === coding['system'] &&
                o['valueCoding']['code'] === coding['code'],
            ) ||
            objs(def['answerOption']).some(
              (o) => o['valueString'] !== undefined && o['valueString'] === a['valueString'],
            );
          if (!ok) p.push(`${aat}: the answer is not one of the item's answerOptions`);
        }
      }
      walk(objs(item['item']), at);
    }
  };
  walk(objs(qr['item']), 'QuestionnaireResponse');
}

/**
 * Every departure of a QuestionnaireResponse from dtr-questionnaireresponse (§B.3) and, when
 * adaptive, dtr-questionnaireresponse-adapt. `form` is the Questionnaire a standard QR answers.
 */
export function questionnaireResponseProblems(
  qr: unknown,
  opts: { adaptive: boolean; form?: unknown; crd?: IgVersion },
): string[] {
  if (!isObj(qr) || qr['resourceType'] !== 'QuestionnaireResponse')
    return ['not a QuestionnaireResponse'];
  const p: string[] = [];
  if (!QR_STATUS.includes(String(qr['status'])))
    p.push(`status '${String(qr['status'])}' is not an R4 QuestionnaireResponse status`);
  // DTRQuestionnaireResponse.fsh line 17: qr-coverage 1..* → Reference(Coverage).
  const coverage = exts(qr, URL.qrCoverage);
  if (coverage.length === 0) p.push('qr-coverage 1..* (DTRQuestionnaireResponse.fsh line 17)');
  for (const c of coverage)
    if (
      !isObj(c['valueReference']) ||
      !/^Coverage\//.test(String(c['valueReference']['reference']))
    )
      p.push('qr-coverage.valueReference must reference a Coverage (DTRExtensions.fsh line 49)');
  // Line 20: qr-context 0..*; DTRExtensions.fsh line 99: a reference to an order or encounter.
  for (const c of exts(qr, URL.qrContext))
    if (!isObj(c['valueReference']) || typeof c['valueReference']['reference'] !== 'string')
      p.push('qr-context needs a valueReference');
  // Line 26: intendedUse 1..*; DTRExtensions.fsh lines 111–113: CodeableConcept from DocReason.
  const uses = exts(qr, URL.intendedUse);
  if (uses.length === 0) p.push('intendedUse 1..* (DTRQuestionnaireResponse.fsh line 26)');
  for (const u of uses) {
    const coding = objs(
      isObj(u['valueCodeableConcept']) ? u['valueCodeableConcept']['coding'] : [],
    );
    if (
      !coding.some(
        (c) => c['system'] === DOC_REASON_SYSTEM && DOC_REASONS.includes(String(c['code'])),
      )
    )
      p.push('intendedUse needs a coding from CRD DocReason (DTRExtensions.fsh line 112)');
  }
  // Line 23: coverage-information 0..*, CRD's extension: DTR 2.2.0 depends on CRD 2.2.1.
  for (const ci of exts(qr, URL.coverageInformation))
    p.push(
      ...coverageInformationProblems(ci, opts.crd ?? '2.2.1').map(
        (x) => `coverage-information: ${x}`,
      ),
    );
  // Lines 29–30.
  if (qr['basedOn'] !== undefined) p.push('basedOn 0..0 (DTRQuestionnaireResponse.fsh line 29)');
  if (qr['partOf'] !== undefined) p.push('partOf 0..0 (DTRQuestionnaireResponse.fsh line 30)');
  // Lines 32, 34–35.
  if (typeof qr['questionnaire'] !== 'string')
    p.push('questionnaire 1..1 (DTRQuestionnaireResponse.fsh line 32)');
  if (!isObj(qr['subject']) || !/^Patient\//.test(String(qr['subject']['reference'])))
    p.push('subject 1..1, a Patient (DTRQuestionnaireResponse.fsh lines 34–35)');
  let form: J | undefined = isObj(opts.form) ? opts.form : undefined;
  if (opts.adaptive) {
    // DTRQuestionnaireResponseAdapt.fsh lines 15–18.
    const contained = objs(qr['contained']);
    if (contained.length !== 1)
      p.push('contained 1..1 (DTRQuestionnaireResponseAdapt.fsh line 15)');
    const q = contained[0];
    if (q) {
      p.push(...questionnaireProblems(q, 'adapt').map((x) => `contained Questionnaire: ${x}`));
      if (qr['questionnaire'] !== `#${String(q['id'])}`)
        p.push(
          'questionnaire must refer to the contained Questionnaire (DTRQuestionnaireResponseAdapt.fsh line 18)',
        );
      form = q;
    }
    // Project (spec-33): a completed adaptive form carries the payer's assessment.
    if (qr['status'] === 'completed' && exts(qr, URL.coverageInformation).length === 0)
      p.push('project rule §A.2: a completed adaptive QR carries coverage-information');
  } else if (typeof qr['questionnaire'] === 'string' && !/\|/.test(qr['questionnaire']))
    p.push('questionnaire must be version-specific, url|version (oper-16)');
  answerProblems(qr, form, p);
  return p;
}

/** Every departure of a package Bundle from DTR-QPackageBundle (§B.4). */
export function packageBundleProblems(b: unknown): string[] {
  if (!isObj(b) || b['resourceType'] !== 'Bundle') return ['not a Bundle'];
  const p: string[] = [];
  // DTRQuestionnairePackageBundle.fsh line 9 (R4 bundle-type is required too).
  if (b['type'] !== 'collection')
    p.push(
      `type '${String(b['type'])}' must be collection (DTRQuestionnairePackageBundle.fsh line 9)`,
    );
  const entries = objs(b['entry']);
  const resources = entries.map((e) => (isObj(e['resource']) ? e['resource'] : {}));
  // dtrb-1 (DTRInvariants.fsh line 51).
  if (resources[0]?.['resourceType'] !== 'Questionnaire')
    p.push('dtrb-1: the first entry must be a Questionnaire');
  // Lines 14–20: closed slicing, one Questionnaire, one QR, ValueSets and Libraries.
  const count = (t: string) => resources.filter((r) => r['resourceType'] === t).length;
  if (count('Questionnaire') !== 1)
    p.push(`exactly one Questionnaire (found ${count('Questionnaire')}) (line 17)`);
  if (count('QuestionnaireResponse') !== 1)
    p.push(`exactly one QuestionnaireResponse (found ${count('QuestionnaireResponse')}) (line 18)`);
  for (const r of resources)
    if (
      !['Questionnaire', 'QuestionnaireResponse', 'ValueSet', 'Library'].includes(
        String(r['resourceType']),
      )
    )
      p.push(`${String(r['resourceType'])} is outside the closed entry slicing (line 14)`);
  for (const [i, e] of entries.entries())
    if (typeof e['fullUrl'] !== 'string')
      p.push(`entry[${i}]: fullUrl is required to reference it`);
  const q = resources.find((r) => r['resourceType'] === 'Questionnaire');
  const qr = resources.find((r) => r['resourceType'] === 'QuestionnaireResponse');
  if (q) {
    const profiles = arr(isObj(q['meta']) ? q['meta']['profile'] : []);
    const kind: QuestionnaireKind = profiles.includes(DTR_PROFILES['adapt-search'])
      ? 'adapt-search'
      : 'standard';
    p.push(...questionnaireProblems(q, kind).map((x) => `Questionnaire: ${x}`));
    if (qr) {
      const adaptive = kind === 'adapt-search';
      p.push(
        ...questionnaireResponseProblems(qr, { adaptive, form: q }).map(
          (x) => `QuestionnaireResponse: ${x}`,
        ),
      );
      // oper-18 / spec-25: the QR is for this Bundle's Questionnaire.
      const canonical = `${String(q['url'])}|${String(q['version'])}`;
      const answered = adaptive
        ? arr(objs(qr['contained'])[0]?.['derivedFrom'])
        : [qr['questionnaire']];
      if (!answered.includes(canonical))
        p.push(`oper-18: the QuestionnaireResponse does not answer ${canonical}`);
      if (qr['status'] !== 'in-progress')
        p.push('oper-18: the package QuestionnaireResponse is a draft (in-progress)');
    }
  }
  return p;
}

function paramsOf(body: unknown): J[] | undefined {
  return isObj(body) && body['resourceType'] === 'Parameters' ? objs(body['parameter']) : undefined;
}

/** dtr-qpackage-input-parameters (DTRParameters.fsh lines 2–40). */
export function packageInputProblems(body: unknown): string[] {
  const params = paramsOf(body);
  if (!params) return ['not a Parameters'];
  const p: string[] = [];
  const named = (n: string) => params.filter((x) => x['name'] === n);
  if (named('coverage').length !== 1) p.push('coverage 1..1 (line 16)');
  for (const c of named('coverage'))
    if (!isObj(c['resource']) || c['resource']['resourceType'] !== 'Coverage')
      p.push('coverage.resource is a Coverage (lines 22–23)');
  for (const o of named('order'))
    if (!isObj(o['resource']) || !ORDER_TYPES.includes(String(o['resource']['resourceType'])))
      p.push('order.resource is an order type (line 26)');
  for (const q of named('questionnaire'))
    if (typeof q['valueCanonical'] !== 'string' || valueKeys(q).length !== 1)
      p.push('questionnaire.value[x] is one canonical (lines 29–30)');
  if (named('context').length > 1) p.push('context 0..1 (line 19)');
  for (const c of named('context'))
    if (typeof c['valueString'] !== 'string' || valueKeys(c).length !== 1)
      p.push('context.value[x] is one string (lines 35–36)');
  for (const c of named('changedsince'))
    if (typeof c['valueInstant'] !== 'string' || valueKeys(c).length !== 1)
      p.push('changedsince.value[x] is one instant (lines 39–40)');
  // dtr-1 (DTRInvariants.fsh line 38).
  if (named('order').length + named('questionnaire').length + named('context').length === 0)
    p.push('dtr-1: at least one of order, questionnaire and context');
  return p;
}

/** dtr-qpackage-output-parameters (DTRParameters.fsh lines 43–66), bundles checked in full. */
export function packageOutputProblems(body: unknown): string[] {
  const params = paramsOf(body);
  if (!params) return ['not a Parameters'];
  const p: string[] = [];
  if (params.length === 0) p.push('parameter 1..* (line 53)');
  for (const [i, x] of params.entries()) {
    const at = `parameter[${i}]`;
    if (x['name'] === 'packagebundle') {
      if (valueKeys(x).length > 0 || x['part'] !== undefined)
        p.push(`${at}: packagebundle has only a resource`);
      p.push(...packageBundleProblems(x['resource']).map((m) => `${at} packagebundle: ${m}`));
    } else if (x['name'] === 'outcome') {
      if (!isObj(x['resource']) || x['resource']['resourceType'] !== 'OperationOutcome')
        p.push(`${at}: outcome.resource is an OperationOutcome (line 64)`);
      if (valueKeys(x).length > 0) p.push(`${at}: outcome.value[x] 0..0 (line 65)`);
    } else
      p.push(`${at}: '${String(x['name'])}' is not an output of $questionnaire-package (2.2.0)`);
  }
  if (params.filter((x) => x['name'] === 'outcome').length > 1) p.push('outcome 0..1 (line 56)');
  return p;
}

function oneQrParameter(body: unknown, name: string, lines: string, crd?: IgVersion): string[] {
  const params = paramsOf(body);
  if (!params) return ['not a Parameters'];
  const p: string[] = [];
  const slice = params.filter((x) => x['name'] === name);
  if (slice.length !== 1) p.push(`exactly one '${name}' parameter (DTRParameters.fsh ${lines})`);
  for (const x of slice) {
    if (valueKeys(x).length > 0 || x['part'] !== undefined)
      p.push(`${name}: no value[x] and no part (${lines})`);
    p.push(
      ...questionnaireResponseProblems(x['resource'], {
        adaptive: true,
        ...(crd ? { crd } : {}),
      }).map((m) => `${name}: ${m}`),
    );
  }
  return p;
}

/** dtr-next-question-input-parameters (DTRParameters.fsh lines 94–116). */
export function nextQuestionInputProblems(body: unknown): string[] {
  return oneQrParameter(body, 'questionnaire-response', 'lines 111–116');
}

/** dtr-next-question-output-parameters (DTRParameters.fsh lines 119–141). */
export function nextQuestionOutputProblems(body: unknown, crd?: IgVersion): string[] {
  return oneQrParameter(body, 'return', 'lines 136–141', crd);
}

// X12 306 (HCR01) codes the PAS IG names: A1, A3, A4 in Examples.fsh, A6 in specification.md
// spec-36; the X12 value set itself is not published openly, so this list is what the IG shows
// plus A2 (certified partial), C (cancelled), CT (contact payer) and NA (no action required).
const X12_306_SYSTEM = 'https://codesystem.x12.org/005010/306';
const X12_306 = ['A1', 'A2', 'A3', 'A4', 'A6', 'C', 'CT', 'NA'];

/**
 * Every departure of a PAS ClaimResponse from profile-claimresponse (PAS 2.2.1
 * ClaimResponse.fsh) in what the DTR work touches (§B.6): the required codes and the review
 * actions, and the project's rules for them (§D.6).
 */
export function claimResponseProblems(cr: unknown): string[] {
  if (!isObj(cr) || cr['resourceType'] !== 'ClaimResponse') return ['not a ClaimResponse'];
  const p: string[] = [];
  // ClaimResponse.fsh lines 14–15 (fixed), 27 (ClaimResponseOutcome, Terminology.fsh 219–225).
  if (cr['status'] !== 'active')
    p.push(`status '${String(cr['status'])}' must be active (line 14)`);
  if (cr['use'] !== 'preauthorization')
    p.push(`use '${String(cr['use'])}' must be preauthorization (line 15)`);
  if (!['complete', 'error', 'partial'].includes(String(cr['outcome'])))
    p.push(`outcome '${String(cr['outcome'])}' is not in ClaimResponseOutcome (line 27)`);
  if (cr['request'] === undefined) p.push('request 1..1 (line 23)');
  // R4 1..1 elements the design found missing in practice (§B.6: insurer).
  for (const k of ['type', 'patient', 'created', 'insurer'])
    if (cr[k] === undefined) p.push(`${k} 1..1 (R4 ClaimResponse)`);
  for (const [i, item] of objs(cr['item']).entries()) {
    const at = `item[${i}]`;
    if (typeof item['itemSequence'] !== 'number') p.push(`${at}: itemSequence 1..1`);
    for (const [k, adj] of objs(item['adjudication']).entries()) {
      const aat = `${at}.adjudication[${k}]`;
      // Line 58: category fixed to adjudication#submitted.
      const cat = objs(isObj(adj['category']) ? adj['category']['coding'] : []);
      if (
        !cat.some(
          (c) =>
            c['system'] === 'http://terminology.hl7.org/CodeSystem/adjudication' &&
            c['code'] === 'submitted',
        )
      )
        p.push(`${aat}: category must be adjudication#submitted (line 58)`);
      const actions = exts(adj, URL.reviewAction);
      if (actions.length > 1) p.push(`${aat}: reviewAction 0..1 (line 56)`);
      for (const ra of actions) {
        // Lines 135–156: code from X12 306 (required), number a string.
        const code = exts(ra, 'code')[0];
        const coding = objs(
          isObj(code?.['valueCodeableConcept']) ? code['valueCodeableConcept']['coding'] : [],
        );
        const c = coding.find((x) => x['system'] === X12_306_SYSTEM);
        if (!c || !X12_306.includes(String(c['code'])))
          p.push(`${aat}: reviewAction.code needs an X12 306 coding (line 156)`);
        for (const n of exts(ra, 'number'))
          if (typeof n['valueString'] !== 'string')
            p.push(`${aat}: reviewAction.number is a string (line 137)`);
        // Project (§D.6): A1 carries its number; A3 says why; A4 gives a reference to ask after.
        const action = String(c?.['code']);
        if (action === 'A1' && exts(ra, 'number').length === 0)
          p.push(`${aat}: project rule §D.6: A1 carries reviewAction.number`);
        if (action === 'A3' && !(isObj(adj['reason']) && typeof adj['reason']['text'] === 'string'))
          p.push(`${aat}: project rule §D.6: A3 carries adjudication.reason.text`);
        if (action === 'A4' && exts(item, URL.administrationReference).length === 0)
          p.push(`${at}: project rule §D.6: A4 carries administrationReferenceNumber`);
      }
    }
  }
  return p;
}

/**
 * Every departure of a PAS Claim's QuestionnaireResponse attachments from
 * supportingInfo[AdditionalInformation] (PAS 2.2.1 Claim.fsh lines 211–228, 250–256;
 * specification.md spec-18/20/22): `bundle` is the Claim's Bundle, where each one must be.
 */
export function claimQuestionnaireResponseProblems(claim: unknown, bundle: unknown): string[] {
  if (!isObj(claim) || claim['resourceType'] !== 'Claim') return ['not a Claim'];
  const p: string[] = [];
  const fullUrls = new Set(
    objs(isObj(bundle) ? bundle['entry'] : []).map((e) => String(e['fullUrl'])),
  );
  const keys = new Set(
    objs(isObj(bundle) ? bundle['entry'] : [])
      .map((e) =>
        isObj(e['resource'])
          ? `${String(e['resource']['resourceType'])}/${String(e['resource']['id'])}`
          : '',
      )
      .filter(Boolean),
  );
  const infos = objs(claim['supportingInfo']);
  const sequences = infos.map((s) => s['sequence']);
  if (new Set(sequences).size !== sequences.length)
    p.push('supportingInfo.sequence values must be unique (spec-22)');
  for (const [i, s] of infos.entries()) {
    const at = `supportingInfo[${i}]`;
    const cat = objs(isObj(s['category']) ? s['category']['coding'] : []);
    const additional = cat.some(
      (c) =>
        c['system'] === 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes' &&
        c['code'] === 'additionalInformation',
    );
    if (!additional) continue;
    // Line 215: documentInformation 1..1; line 256: reportTypeCode 1..1.
    const doc = exts(s, URL.documentInformation);
    if (doc.length !== 1) p.push(`${at}: documentInformation 1..1 (Claim.fsh line 215)`);
    for (const d of doc)
      if (exts(d, 'reportTypeCode').length !== 1)
        p.push(`${at}: documentInformation.reportTypeCode 1..1 (Claim.fsh line 254)`);
    // Line 216: timing 0..0; line 217: value[x] 1..1, a Reference.
    if (Object.keys(s).some((k) => k.startsWith('timing')))
      p.push(`${at}: timing[x] 0..0 (Claim.fsh line 216)`);
    const ref = isObj(s['valueReference']) ? s['valueReference']['reference'] : undefined;
    if (typeof ref !== 'string') p.push(`${at}: valueReference 1..1 (Claim.fsh line 217)`);
    else if (!fullUrls.has(ref) && !keys.has(ref))
      p.push(`${at}: ${ref} is not in the Bundle (spec-18/20)`);
  }
  return p;
}
