// An independent conformance check of CDS Hooks answers against the Da Vinci CRD IG's published
// value sets, per IG version. Written from the IG's FSH sources, not from the server's own
// tables, so a code the server wrongly believes valid is caught here:
//   2.0.1: https://github.com/HL7/davinci-crd/tree/2.0.1/input/fsh
//          extensions/CoverageInformation.fsh (elements, bindings, invariants q1..q5)
//          valuesets/CoverageInformationValuesets.fsh (coverageInfo, coveragePaDetail,
//            AdditionalDocumentation, DocReason, informationNeeded, coverageAssertionReasons)
//          valuesets/CRDCoverageDetailCodes.fsh (coverageDetail), valuesets/CRDCardType.fsh,
//          codesystems/CRDTempCodes.fsh (content = #complete)
//   2.2.1: https://github.com/HL7/davinci-crd/tree/2.2.1/input/fsh, the same files
//          (+ codesystems/CoverageInformationCodes.fsh; detail.category; q1..q9)
// Bindings of `code` elements are required: a code outside the value set is an error. Reason and
// detail code bindings are extensible: codes of other systems may be used (a reason then needs
// text), but a code claimed from the temp code system must be one it defines.

type J = Record<string, unknown>;
export type IgVersion = '2.0.1' | '2.2.1';

const CI_URL = 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';
const TEMP = 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp';
const THO_CARD_TYPE = 'http://terminology.hl7.org/CodeSystem/cdshooks-card-type';
const THO_DETAIL = 'http://terminology.hl7.org/CodeSystem/crd-coverage-detail';

interface IgRules {
  subExtensions: string[];
  covered: string[];
  paNeeded: string[];
  docNeeded: string[];
  docPurpose: string[];
  infoNeeded: string[];
  /** Temp codes of the coverageAssertionReasons value set. */
  reasonTemp: string[];
  /** detail sub-extensions allowed, and whether category is required. */
  detailParts: string[];
  detailCategory?: string[];
  /** Temp codes a detail.code may carry (the coverageDetail value set of that version). */
  detailTemp: string[];
  /** Other systems the detail code binding names. */
  detailSystems: string[];
  detailValueTypes: string[];
  cardTopicSystem: string;
  /** Card type codes (2.0.1: descendants of temp#_cardType); undefined: not checked. */
  cardTopicCodes?: string[];
}

const CARD_TYPES_201 = [
  'coverage-info',
  'claim',
  'insurance',
  'limits',
  'network',
  'appropriate-use',
  'cost',
  'therapy-alternatives-opt',
  'therapy-alternatives-req',
  'clinical-reminder',
  'duplicate-therapy',
  'contraindication',
  'guideline',
  'off-guideline',
];

export const IG: Record<IgVersion, IgRules> = {
  '2.0.1': {
    subExtensions: [
      'coverage',
      'covered',
      'pa-needed',
      'doc-needed',
      'doc-purpose',
      'info-needed',
      'billingCode',
      'reason',
      'detail',
      'dependency',
      'questionnaire',
      'response',
      'date',
      'coverage-assertion-id',
      'satisfied-pa-id',
      'contact',
    ],
    covered: ['not-covered', 'covered', 'conditional'],
    paNeeded: ['no-auth', 'auth-needed', 'satisfied', 'performpa', 'conditional'],
    docNeeded: ['clinical', 'admin', 'both', 'conditional'],
    docPurpose: ['withpa', 'withclaim', 'withorder', 'retain-doc', 'OTH'],
    infoNeeded: ['performer', 'location', 'timeframe', 'contract-window', 'OTH'],
    reasonTemp: ['gold-card', 'detail-code'],
    detailParts: ['code', 'value', 'qualification'],
    detailTemp: [
      'allowed-quantity',
      'allowed-period',
      'in-network-copay',
      'out-network-copay',
      'auth-out-network-only',
      'concurrent-review',
      'appropriate-use-needed',
    ],
    detailSystems: [],
    detailValueTypes: ['valueBoolean', 'valueString', 'valueQuantity', 'valuePeriod'],
    cardTopicSystem: TEMP,
    cardTopicCodes: CARD_TYPES_201,
  },
  '2.2.1': {
    subExtensions: [
      'coverage',
      'covered',
      'pa-needed',
      'doc-needed',
      'doc-purpose',
      'info-needed',
      'billingCode',
      'reason',
      'detail',
      'dependency',
      'questionnaire',
      'date',
      'coverage-assertion-id',
      'satisfied-pa-id',
      'contact',
      'expiry-date',
    ],
    covered: ['not-covered', 'covered', 'conditional', 'indeterminate'],
    paNeeded: ['no-auth', 'auth-needed', 'satisfied', 'performpa', 'conditional', 'indeterminate'],
    docNeeded: ['clinical', 'admin', 'patient', 'conditional', 'indeterminate'],
    docPurpose: ['withpa', 'withclaim', 'withorder', 'retain-doc', 'OTH'],
    infoNeeded: ['performer', 'location', 'timeframe', 'contract-window', 'detail-code', 'OTH'],
    reasonTemp: [
      'gold-card',
      'no-member-found',
      'no-active-coverage',
      'coverage-not-found',
      'auth-out-network',
      'technical',
    ],
    detailParts: ['category', 'code', 'value', 'qualification'],
    detailCategory: ['cat-limitation', 'cat-decisional', 'cat-other'],
    // The deprecated coverageDetail value set, kept as the "ci-detailold" additional binding.
    detailTemp: [
      'allowed-quantity',
      'allowed-period',
      'in-network-copay',
      'out-network-copay',
      'concurrent-review',
      'appropriate-use-needed',
      'policy-link',
      'instructions',
    ],
    detailSystems: [THO_DETAIL],
    detailValueTypes: ['valueBoolean', 'valueString', 'valueUrl', 'valueQuantity', 'valuePeriod'],
    cardTopicSystem: THO_CARD_TYPE,
  },
};

const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const valueKey = (e: J) => Object.keys(e).find((k) => k.startsWith('value'));

/** Every way one coverage-information extension departs from the IG version. */
export function coverageInformationProblems(ext: J, v: IgVersion): string[] {
  const rules = IG[v];
  const p: string[] = [];
  const subs = arr(ext['extension']).filter(isObj);
  const codes = (url: string) =>
    subs.filter((s) => s['url'] === url).map((s) => String(s['valueCode']));
  for (const s of subs)
    if (!rules.subExtensions.includes(String(s['url'])))
      p.push(`sub-extension '${String(s['url'])}' is not defined in ${v}`);
  const bound: [string, string[]][] = [
    ['covered', rules.covered],
    ['pa-needed', rules.paNeeded],
    ['doc-needed', rules.docNeeded],
    ['doc-purpose', rules.docPurpose],
    ['info-needed', rules.infoNeeded],
  ];
  for (const [url, allowed] of bound)
    for (const c of codes(url))
      if (!allowed.includes(c)) p.push(`${url} '${c}' is not in the ${v} value set`);
  for (const r of subs.filter((s) => s['url'] === 'reason')) {
    const cc = isObj(r['valueCodeableConcept']) ? r['valueCodeableConcept'] : {};
    for (const c of arr(cc['coding']).filter(isObj))
      if (c['system'] === TEMP && !rules.reasonTemp.includes(String(c['code'])))
        p.push(`reason code '${String(c['code'])}' is not in the ${v} coverageAssertionReasons`);
    if (arr(cc['coding']).length === 0 && typeof cc['text'] !== 'string')
      p.push('reason without a coding or text');
  }
  for (const d of subs.filter((s) => s['url'] === 'detail')) {
    const parts = arr(d['extension']).filter(isObj);
    for (const part of parts)
      if (!rules.detailParts.includes(String(part['url'])))
        p.push(`detail.${String(part['url'])} is not defined in ${v}`);
    const category = parts.filter((x) => x['url'] === 'category');
    if (rules.detailCategory) {
      if (category.length !== 1) p.push(`detail.category must occur once in ${v}`);
      for (const c of category)
        if (!rules.detailCategory.includes(String(c['valueCode'])))
          p.push(`detail.category '${String(c['valueCode'])}' is not in the ${v} value set`);
    }
    for (const c of parts.filter((x) => x['url'] === 'code')) {
      const cc = isObj(c['valueCodeableConcept']) ? c['valueCodeableConcept'] : {};
      for (const coding of arr(cc['coding']).filter(isObj)) {
        const system = String(coding['system']);
        if (system === TEMP && !rules.detailTemp.includes(String(coding['code'])))
          p.push(`detail.code '${String(coding['code'])}' is not a ${v} coverage detail code`);
        if (system !== TEMP && !rules.detailSystems.includes(system) && !cc['text'])
          p.push(`detail.code from ${system} needs text`);
      }
    }
    for (const val of parts.filter((x) => x['url'] === 'value')) {
      const k = valueKey(val);
      if (!k || !rules.detailValueTypes.includes(k))
        p.push(`detail.value as ${k ?? 'nothing'} is not allowed in ${v}`);
    }
  }
  // Invariants the value sets alone do not express.
  const covered = codes('covered');
  const pa = codes('pa-needed');
  const doc = codes('doc-needed');
  const info = codes('info-needed');
  const conditional = [...covered, ...pa, ...doc].includes('conditional');
  if (covered.length !== 1) p.push('covered must occur once');
  if (covered.includes('not-covered') && pa.length > 0 && v === '2.2.1')
    p.push('crd-ci-q2: pa-needed with not-covered');
  if (v === '2.0.1' && !covered.includes('not-covered') && pa.length === 0)
    p.push('crd-ci-q2 (2.0.1): pa-needed is required unless not-covered');
  if (info.length > 0 && !conditional) p.push('crd-ci-q3: info-needed without conditional');
  if (v === '2.2.1' && conditional && info.length === 0)
    p.push('crd-ci-q3: conditional without info-needed');
  const reasons = subs.filter((s) => s['url'] === 'reason').length;
  if (v === '2.2.1' && info.includes('OTH') && reasons === 0) p.push('crd-ci-q6');
  if (v === '2.2.1' && [...covered, ...pa, ...doc].includes('indeterminate') && reasons === 0)
    p.push('crd-ci-q9');
  return p;
}

/** Every departure of a CDS Hooks response body from the IG version (cards and systemActions). */
export function crdResponseProblems(body: unknown, v: IgVersion): string[] {
  if (!isObj(body)) return ['the body is not an object'];
  const p: string[] = [];
  const rules = IG[v];
  if (!Array.isArray(body['cards'])) p.push('cards is required');
  // CDS Hooks 2.0 "Use of JSON": optional arrays are omitted, never empty.
  if (Array.isArray(body['systemActions']) && body['systemActions'].length === 0)
    p.push('systemActions is empty');
  for (const card of arr(body['cards']).filter(isObj)) {
    const source = isObj(card['source']) ? card['source'] : {};
    const topic = isObj(source['topic']) ? source['topic'] : undefined;
    if (!topic) {
      p.push(`card '${String(card['summary'])}' has no source.topic`);
      continue;
    }
    if (topic['system'] !== rules.cardTopicSystem)
      p.push(`card topic system ${String(topic['system'])} is not the ${v} card type system`);
    if (rules.cardTopicCodes && !rules.cardTopicCodes.includes(String(topic['code'])))
      p.push(`card topic '${String(topic['code'])}' is not a ${v} card type`);
  }
  for (const a of arr(body['systemActions']).filter(isObj)) {
    const resource = isObj(a['resource']) ? a['resource'] : {};
    for (const e of arr(resource['extension']).filter(isObj))
      if (e['url'] === CI_URL)
        p.push(...coverageInformationProblems(e, v).map((x) => `${a['description']}: ${x}`));
  }
  return p;
}
