// The Da Vinci CRD coverage-information extension: built from a version-neutral assertion for
// CRD 2.0.1 (the default; what conformance testers validate) or 2.2, and checked against that
// version's invariants before it leaves. See README.md "Coverage information".
import type { DeterminationV1 } from '../../model/determination.js';
import type { Bases } from '../../terminology/bases.js';
import { questionnaireUrl, questionnaireVersion } from '../dtr/questionnaire.js';
import { isObject, str, type Json } from './fhir.js';

export const COVERAGE_INFORMATION_URL =
  'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';
export const CRD_TEMP_SYSTEM = 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp';

/** Two-part CRD versions, as `davinci-crd.version` and `davinci-crd.requestedVersion` spell them. */
export const CRD_VERSIONS = ['2.0', '2.2'] as const;
export type CrdVersion = (typeof CRD_VERSIONS)[number];
export const DEFAULT_CRD_VERSION: CrdVersion = '2.0';

export type Covered = 'covered' | 'not-covered' | 'conditional' | 'indeterminate';
export type PaNeeded =
  'no-auth' | 'auth-needed' | 'satisfied' | 'performpa' | 'conditional' | 'indeterminate';
export type InfoNeeded =
  'performer' | 'location' | 'timeframe' | 'contract-window' | 'detail-code' | 'OTH';
/** The documentation codes this server sends: admin (valid in 2.0.1 and 2.2.1) for fact questions. */
export type DocNeeded = 'admin';
/** Why the documentation is gathered: with the PA request, or kept to support the claim. */
export type DocPurpose = 'withpa' | 'withclaim';
/** Reason codes of the 2.2 coverageAssertionReasons value set this server uses. */
export type ReasonCode =
  'technical' | 'coverage-not-found' | 'no-member-found' | 'no-active-coverage';

export interface AssertionReason {
  code?: ReasonCode;
  text: string;
}

/** What the payer asserts about one order under one coverage, independent of CRD version. */
export interface CoverageAssertion {
  coverageReference: string;
  covered: Covered;
  paNeeded?: PaNeeded;
  infoNeeded: InfoNeeded[];
  /** With a questionnaire only: the answers DTR gathers are administrative facts. */
  docNeeded?: DocNeeded;
  docPurpose?: DocPurpose;
  /** Version-specific canonicals (`url|version`) of the DTR forms that ask the open questions. */
  questionnaire?: string[];
  reasons: AssertionReason[];
  policyLink?: { url: string; qualification: string };
  date: string;
  assertionId: string;
}

/**
 * The required value sets per version. 2.0.1 (HL7/davinci-crd tag 2.0.1, commit 99bc2f11,
 * input/fsh/valuesets/CoverageInformationValuesets.fsh lines 25–62): CRDAdditionalDoc clinical |
 * admin | both | conditional; CRDDocReason withpa | withclaim | withorder | retain-doc | OTH;
 * CRDInformationNeeded performer | location | timeframe | contract-window | v3-NullFlavor#OTH.
 */
const VALUE_SETS: Record<
  CrdVersion,
  { covered: string[]; pa: string[]; info: string[]; doc: string[]; purpose: string[] }
> = {
  '2.0': {
    covered: ['covered', 'not-covered', 'conditional'],
    pa: ['no-auth', 'auth-needed', 'satisfied', 'performpa', 'conditional'],
    info: ['performer', 'location', 'timeframe', 'contract-window', 'OTH'],
    doc: ['clinical', 'admin', 'both', 'conditional'],
    purpose: ['withpa', 'withclaim', 'withorder', 'retain-doc', 'OTH'],
  },
  '2.2': {
    covered: ['covered', 'not-covered', 'conditional', 'indeterminate'],
    pa: ['no-auth', 'auth-needed', 'satisfied', 'performpa', 'conditional', 'indeterminate'],
    info: ['performer', 'location', 'timeframe', 'contract-window', 'detail-code', 'OTH'],
    doc: ['clinical', 'admin', 'patient', 'conditional', 'indeterminate'],
    purpose: ['withpa', 'withclaim', 'withorder', 'retain-doc', 'OTH'],
  },
};
/**
 * Detail codes of the temp code system per version (its `content = #complete`, so any other code
 * is invalid): 2.0.1 coverageDetail; 2.2.1's deprecated coverageDetail, still an additional
 * extensible binding ("ci-detailold"). HL7/davinci-crd input/fsh/valuesets/CRDCoverageDetailCodes.fsh.
 */
const DETAIL_TEMP_CODES: Record<CrdVersion, Set<string>> = {
  '2.0': new Set([
    'allowed-quantity',
    'allowed-period',
    'in-network-copay',
    'out-network-copay',
    'auth-out-network-only',
    'concurrent-review',
    'appropriate-use-needed',
  ]),
  '2.2': new Set([
    'allowed-quantity',
    'allowed-period',
    'in-network-copay',
    'out-network-copay',
    'concurrent-review',
    'appropriate-use-needed',
    'policy-link',
    'instructions',
  ]),
};
const REASON_VS_22 = new Set([
  'gold-card',
  'no-member-found',
  'no-active-coverage',
  'coverage-not-found',
  'auth-out-network',
  'technical',
]);

/** How answers name the deciding policy version, in CRD reasons and PAS notes alike. */
export function policyName(d: DeterminationV1, label: string): string {
  const p = d.policy;
  if (!p) return `${label} medical policy`;
  return `${label} policy ${p.number ? `#${p.number} ` : ''}“${p.title}” (version ${p.version})`;
}

export interface AssertionInputs {
  coverageReference: string;
  payerLabel: string;
  date: string;
  assertionId: string;
  policyUrl?: string | undefined;
  /** Fields the request lacked: setting → location, providerParticipating → performer. */
  requestHasSetting: boolean;
  requestHasProviderParticipating: boolean;
  /** The words for each basis (policies/valuesets/bases.yaml). */
  bases: Bases;
  /**
   * The server's public URL, under which DTR serves the forms. Given, an answer with open fact
   * questions names its questionnaire; left out (order-select, hook-19: never documentation),
   * it names none.
   */
  publicUrl?: string | undefined;
}

/** The engine's Determination as a coverage assertion. */
export function assertionFromDetermination(
  d: DeterminationV1,
  a: AssertionInputs,
): CoverageAssertion {
  const base = {
    coverageReference: a.coverageReference,
    date: a.date,
    assertionId: a.assertionId,
    infoNeeded: [] as InfoNeeded[],
    reasons: [] as AssertionReason[],
  };
  const out: CoverageAssertion = { ...base, covered: 'conditional' };
  if (d.policy && a.policyUrl)
    out.policyLink = { url: a.policyUrl, qualification: policyName(d, a.payerLabel) };
  const name = policyName(d, a.payerLabel);
  const pa = (): PaNeeded => {
    switch (d.priorAuth) {
      case 'required':
        return 'auth-needed';
      case 'not-required':
      case 'not-applicable':
        return 'no-auth';
      case 'conditional':
        if (!a.requestHasSetting) out.infoNeeded.push('location');
        if (!a.requestHasProviderParticipating) out.infoNeeded.push('performer');
        if (out.infoNeeded.length === 0) out.infoNeeded.push('OTH');
        out.reasons.push({
          text: `Prior authorization under ${name} depends on where and by whom the service is given.`,
        });
        return 'conditional';
    }
  };
  switch (d.outcome) {
    case 'covered':
      out.covered = 'covered';
      out.paNeeded = pa();
      break;
    case 'not-covered':
      out.covered = 'not-covered';
      out.reasons.push({
        text: `Not covered: ${a.bases.phrase(d.basis ?? 'not-covered')} under ${name}.`,
      });
      break;
    case 'conditional': {
      out.covered = 'conditional';
      out.paNeeded = pa();
      out.infoNeeded.push('OTH');
      const questions = d.questions ?? [];
      const needed =
        questions.length > 0 ? ` Needed: ${questions.map((q) => q.text).join(' ')}` : '';
      out.reasons.push({
        text: `Conditional: ${a.bases.phrase(d.basis ?? 'not-covered')} (${name}).${needed}`,
      });
      if (questions.length > 0 && d.policy && a.publicUrl) {
        out.docNeeded = 'admin';
        // The answers go with the PA request when one is sought; otherwise they support the
        // claim (2.2 crd-ci-q4: never withpa under no-auth).
        out.docPurpose =
          out.paNeeded === 'auth-needed' || out.paNeeded === 'conditional' ? 'withpa' : 'withclaim';
        out.questionnaire = [
          `${questionnaireUrl(a.publicUrl, d.policy.id)}|${questionnaireVersion(d.policy.version, d.revision)}`,
        ];
      }
      break;
    }
    case 'needs-info':
      out.covered = 'conditional';
      out.paNeeded = 'conditional';
      out.infoNeeded.push('OTH');
      out.reasons.push({
        text: `The order does not state what ${name} needs to decide: ${d.missing.join(', ')}.`,
      });
      break;
    case 'out-of-scope': {
      out.covered = 'conditional';
      out.paNeeded = 'conditional';
      out.infoNeeded.push('OTH');
      const refer =
        d.referTo.length > 0 ? ` See policy ${d.referTo.map((r) => `#${r}`).join(', ')}.` : '';
      out.reasons.push({
        text: d.policy
          ? `${name} does not decide this order for this product or indication; the member’s benefit plan governs.${refer}`
          : `No ${a.payerLabel} medical policy in force on the date of service speaks to this order; the member’s benefit plan governs.${refer}`,
      });
      break;
    }
  }
  return out;
}

/** No decision could be made: a technical problem, or a coverage this server does not administer. */
export function indeterminateAssertion(
  a: { coverageReference: string; date: string; assertionId: string },
  reason: AssertionReason,
): CoverageAssertion {
  return {
    ...a,
    covered: 'indeterminate',
    paNeeded: 'indeterminate',
    infoNeeded: [],
    reasons: [reason],
  };
}

/** Coverage turns on something the policies here do not settle: the plan must say (info OTH). */
export function conditionalAssertion(
  a: { coverageReference: string; date: string; assertionId: string },
  text: string,
): CoverageAssertion {
  return {
    ...a,
    covered: 'conditional',
    paNeeded: 'conditional',
    infoNeeded: ['OTH'],
    reasons: [{ text }],
  };
}

/**
 * The extension for one CRD version. 2.0.1 has no `indeterminate`, no `detail-code`
 * info-needed, no detail category or valueUrl, and wants pa-needed whenever covered is not
 * not-covered; 2.2 wants info-needed whenever something is conditional and a reason whenever
 * something is indeterminate. The result is checked; a violation is a bug and throws.
 */
export function buildCoverageInformation(a: CoverageAssertion, version: CrdVersion): Json {
  const vs = VALUE_SETS[version];
  let covered: Covered = a.covered;
  let pa: PaNeeded | undefined = a.paNeeded;
  if (version === '2.0') {
    if (covered === 'indeterminate') covered = 'conditional';
    if (pa === 'indeterminate') pa = 'conditional';
  }
  if (covered === 'not-covered')
    pa = undefined; // 2.2 crd-ci-q2
  else if (pa === undefined) pa = covered === 'covered' ? 'no-auth' : 'conditional'; // 2.0.1 q2
  let info = [...new Set(a.infoNeeded)].filter((c) => vs.info.includes(c));
  const anyConditional = covered === 'conditional' || pa === 'conditional';
  if (!anyConditional) info = [];
  else if (version === '2.2' && info.length === 0) info = ['OTH']; // 2.2 crd-ci-q3
  const reasons =
    a.reasons.length > 0 || version === '2.0' ? a.reasons : [{ text: 'See the policy.' }];

  const ext: Json[] = [
    { url: 'coverage', valueReference: { reference: a.coverageReference } },
    { url: 'covered', valueCode: covered },
  ];
  if (pa) ext.push({ url: 'pa-needed', valueCode: pa });
  if (a.docNeeded) {
    ext.push({ url: 'doc-needed', valueCode: a.docNeeded });
    if (a.docPurpose) ext.push({ url: 'doc-purpose', valueCode: a.docPurpose });
  }
  for (const i of info) ext.push({ url: 'info-needed', valueCode: i });
  for (const r of reasons) {
    const cc: Json = { text: r.text };
    if (version === '2.2' && r.code) cc['coding'] = [{ system: CRD_TEMP_SYSTEM, code: r.code }];
    ext.push({ url: 'reason', valueCodeableConcept: cc });
  }
  // The policy link is a 2.2 detail only: `policy-link` entered the temp code system in CRD
  // 2.1.0, and 2.0.1's temp code system is `content = #complete` without it, so no 2.0.1
  // detail code can carry it (HL7/davinci-crd@2.0.1 input/fsh/codesystems/CRDTempCodes.fsh).
  // 2.0.1 clients get the link in the External Reference card instead.
  if (a.policyLink && version === '2.2')
    ext.push({
      url: 'detail',
      extension: [
        { url: 'category', valueCode: 'cat-other' },
        {
          url: 'code',
          valueCodeableConcept: { coding: [{ system: CRD_TEMP_SYSTEM, code: 'policy-link' }] },
        },
        { url: 'value', valueUrl: a.policyLink.url },
        { url: 'qualification', valueString: a.policyLink.qualification },
      ],
    });
  // crd-ci-q1: a questionnaire only with doc-needed.
  if (a.docNeeded)
    for (const q of a.questionnaire ?? []) ext.push({ url: 'questionnaire', valueCanonical: q });
  ext.push({ url: 'date', valueDate: a.date });
  ext.push({ url: 'coverage-assertion-id', valueString: a.assertionId });
  const out = { url: COVERAGE_INFORMATION_URL, extension: ext };
  const problems = checkCoverageInformation(out, version);
  if (problems.length > 0)
    throw new Error(`coverage-information invariant violated: ${problems.join('; ')}`);
  return out;
}

function values(ext: Json, url: string): unknown[] {
  const subs = Array.isArray(ext['extension']) ? (ext['extension'] as unknown[]) : [];
  return subs
    .filter((e): e is Json => isObject(e) && e['url'] === url)
    .map((e) => {
      const k = Object.keys(e).find((key) => key.startsWith('value'));
      return k ? e[k] : e;
    });
}

/**
 * Every violation of the extension's cardinalities, required bindings and invariants for a CRD
 * version (2.2: crd-ci-q1..q9; 2.0.1: its q1..q5). Empty when valid.
 */
export function checkCoverageInformation(ext: unknown, version: CrdVersion): string[] {
  const p: string[] = [];
  if (!isObject(ext)) return ['not an extension object'];
  if (ext['url'] !== COVERAGE_INFORMATION_URL) p.push('url is not ext-coverage-information');
  const vs = VALUE_SETS[version];
  const one = (url: string) => {
    const n = values(ext, url).length;
    if (n !== 1) p.push(`${url} must occur once (found ${n})`);
  };
  one('coverage');
  one('covered');
  one('date');
  one('coverage-assertion-id');
  const covered = values(ext, 'covered').map(String);
  const pa = values(ext, 'pa-needed').map(String);
  const doc = values(ext, 'doc-needed').map(String);
  const purpose = values(ext, 'doc-purpose').map(String);
  const info = values(ext, 'info-needed').map(String);
  const reasons = values(ext, 'reason');
  if (pa.length > 1) p.push('pa-needed occurs more than once');
  for (const c of covered)
    if (!vs.covered.includes(c)) p.push(`covered '${c}' is not in the ${version} value set`);
  for (const c of pa)
    if (!vs.pa.includes(c)) p.push(`pa-needed '${c}' is not in the ${version} value set`);
  for (const c of info)
    if (!vs.info.includes(c)) p.push(`info-needed '${c}' is not in the ${version} value set`);
  if (doc.length > 1) p.push('doc-needed occurs more than once');
  for (const c of doc)
    if (!vs.doc.includes(c)) p.push(`doc-needed '${c}' is not in the ${version} value set`);
  for (const c of purpose)
    if (!vs.purpose.includes(c)) p.push(`doc-purpose '${c}' is not in the ${version} value set`);
  for (const q of values(ext, 'questionnaire'))
    if (!(typeof q === 'string' && /^\S+\|\S+$/.test(q)))
      p.push('questionnaire must be a version-specific canonical (url|version)');
  const coverageRef = values(ext, 'coverage')[0];
  if (coverageRef !== undefined && !(isObject(coverageRef) && str(coverageRef['reference'])))
    p.push('coverage must be a Reference with a reference');
  const date = values(ext, 'date')[0];
  if (date !== undefined && !(typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date)))
    p.push('date must be a FHIR date');
  const id = values(ext, 'coverage-assertion-id')[0];
  if (id !== undefined && !str(id)) p.push('coverage-assertion-id must be a non-empty string');
  // q1: questionnaire ⇒ doc-needed
  if (values(ext, 'questionnaire').length > 0 && doc.length === 0)
    p.push('crd-ci-q1: questionnaire without doc-needed');
  const satisfied = pa.includes('satisfied');
  const satisfiedId = values(ext, 'satisfied-pa-id').length > 0;
  if (satisfied !== satisfiedId)
    p.push('crd-ci-q5: satisfied-pa-id exists if and only if pa-needed is satisfied');
  const conditional = [...covered, ...pa, ...doc].includes('conditional');
  if (version === '2.2') {
    if (covered.includes('not-covered') && pa.length > 0)
      p.push('crd-ci-q2: not-covered with pa-needed');
    if (conditional !== info.length > 0)
      p.push('crd-ci-q3: info-needed exists if and only if something is conditional');
    if (
      pa.some((x) => ['satisfied', 'no-auth', 'not-covered'].includes(x)) &&
      purpose.includes('withpa')
    )
      p.push('crd-ci-q4: doc-purpose withpa when no prior authorization will be sought');
    if (info.includes('OTH') && reasons.length === 0)
      p.push('crd-ci-q6: info-needed OTH without a reason');
    for (const r of reasons) {
      const coded = isObject(r) && Array.isArray(r['coding']) ? (r['coding'] as unknown[]) : [];
      const outside = coded.some(
        (c) =>
          !(isObject(c) && c['system'] === CRD_TEMP_SYSTEM && REASON_VS_22.has(String(c['code']))),
      );
      if ((outside || coded.length === 0) && !(isObject(r) && str(r['text'])))
        p.push('crd-ci-q7: a reason outside the value set needs text');
    }
    if (purpose.length > 0 && reasons.length === 0)
      p.push('crd-ci-q8: doc-purpose without a reason');
    if ([...covered, ...pa, ...doc].includes('indeterminate') && reasons.length === 0)
      p.push('crd-ci-q9: indeterminate without a reason');
  } else {
    if (!covered.includes('not-covered') && covered.length > 0 && pa.length === 0)
      p.push('crd-ci-q2 (2.0.1): pa-needed must be present unless not-covered');
    if (info.length > 0 && !conditional)
      p.push('crd-ci-q3 (2.0.1): info-needed without anything conditional');
    if (satisfied && purpose.includes('PA'))
      p.push('crd-ci-q4 (2.0.1): doc-purpose PA when satisfied');
    for (const d of values(ext, 'detail'))
      if (isObject(d) && values(d, 'category').length > 0)
        p.push('detail.category does not exist in 2.0.1');
  }
  for (const d of values(ext, 'detail')) {
    const code = isObject(d) ? values(d, 'code')[0] : undefined;
    const coded = isObject(code) && Array.isArray(code['coding']) ? code['coding'] : [];
    for (const c of coded)
      if (
        isObject(c) &&
        c['system'] === CRD_TEMP_SYSTEM &&
        !DETAIL_TEMP_CODES[version].has(String(c['code']))
      )
        p.push(`detail.code '${String(c['code'])}' is not in the ${version} temp code system`);
  }
  return p;
}
