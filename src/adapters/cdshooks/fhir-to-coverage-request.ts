// From FHIR (a draft order, its Medication and Conditions, the Encounter, the selected Coverage)
// to a CoverageRequest the service decides. Every field records where it came from (`sources`),
// so a card or a test can say why. See README.md "FHIR mapping".
import { settingForPos } from '../../terminology/place-of-service.js';
import type { CoverageRequest } from '../../model/coverage-request.js';
import { ROUTE_WORDS, type Route, type Setting } from '../../model/vocabulary.js';
import type { DecisionContext } from '../../service/load-context.js';
import { classifyProcedureCode, normalizeIcd10cm } from '../../terminology/code-format.js';
import type { ResolvedCoverage } from './coverage-map.js';
import {
  asArray,
  codings,
  conceptTexts,
  datePart,
  isObject,
  refKey,
  str,
  words,
  type Coding,
  type Json,
} from './fhir.js';

export const SYSTEMS = {
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  icd10cm: [
    'http://hl7.org/fhir/sid/icd-10-cm',
    'http://hl7.org/fhir/sid/icd-10',
    'urn:oid:2.16.840.1.113883.6.90',
  ],
  cpt: ['http://www.ama-assn.org/go/cpt', 'urn:oid:2.16.840.1.113883.6.12'],
  hcpcs: [
    'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
    'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
    'urn:oid:2.16.840.1.113883.6.285',
    'http://terminology.hl7.org/CodeSystem/HCPCS',
  ],
  snomed: 'http://snomed.info/sct',
  ncit: 'http://ncimeta.nci.nih.gov',
  fdaRoute: 'http://fdasis.nlm.nih.gov',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  pos: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
  medRequestCategory: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
  billingOptions: 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-billing-options',
} as const;

// Route of administration: SNOMED CT route concepts and FDA/NCI route codes, then words.
const ROUTE_CODES: Record<string, Route> = {
  '47625008': 'intravenous', // SNOMED Intravenous route
  '78421000': 'intramuscular',
  '34206005': 'subcutaneous',
  '46713006': 'intranasal', // Nasal route
  '26643006': 'oral',
  C38276: 'intravenous', // NCI/FDA
  C28161: 'intramuscular',
  C38299: 'subcutaneous',
  C38284: 'intranasal',
  C38288: 'oral',
};

// Setting: Encounter.class (v3 ActCode), CMS place of service, MedicationRequest.category.
const ENCOUNTER_CLASS: Record<string, Setting> = {
  AMB: 'outpatient',
  OBSENC: 'outpatient',
  SS: 'outpatient',
  IMP: 'inpatient',
  ACUTE: 'inpatient',
  NONAC: 'inpatient',
  EMER: 'emergency',
  HH: 'home',
  VR: 'office',
};
const MED_CATEGORY: Record<string, Setting> = { inpatient: 'inpatient', outpatient: 'outpatient' };

export interface MapInput {
  /** The order (MedicationRequest, ServiceRequest, …) or the Appointment being decided. */
  resource: Json;
  /** Every resource available by "Type/id": context, prefetch and what was fetched. */
  resources: ReadonlyMap<string, Json>;
  encounter?: Json | undefined;
  coverage: ResolvedCoverage;
  /** Date to use when the resource states none (the day of the call). */
  today: string;
}

export interface MappedOrder {
  /** The order is for something the policies speak to (a catalog drug or an administration code). */
  inScope: boolean;
  request: CoverageRequest;
  /** Where each field came from, e.g. "drug ketamine from RxNorm 6130". */
  sources: string[];
  /** Codes seen but not usable (a SNOMED diagnosis, an unknown procedure code system). */
  unmapped: string[];
  /** Human name of the order for cards: "MedicationRequest/123 (ketamine)". */
  label: string;
  /** What is ordered, in words: "intravenous ketamine", or "this order". */
  phrase: string;
}

function inSystem(c: Coding, systems: string | readonly string[]): boolean {
  return (
    c.system !== undefined &&
    (typeof systems === 'string' ? c.system === systems : systems.includes(c.system))
  );
}

/** A catalog drug from free text: any word or two-word run that the catalog resolves. */
function drugFromText(text: string, ctx: DecisionContext): string | undefined {
  const ws = words(text).trim().split(' ');
  for (let i = 0; i < ws.length; i++) {
    const two =
      i + 1 < ws.length ? ctx.terminology.drugs.resolve(`${ws[i]} ${ws[i + 1]}`) : undefined;
    const d = two ?? ctx.terminology.drugs.resolve(ws[i]!);
    if (d) return d.id;
  }
  return undefined;
}

function drugFromConcepts(
  concepts: unknown[],
  ctx: DecisionContext,
  sources: string[],
): string | undefined {
  for (const cc of concepts)
    for (const c of codings(cc)) {
      const d =
        inSystem(c, SYSTEMS.rxnorm) && c.code ? ctx.terminology.drugs.byRxnorm(c.code) : undefined;
      if (d) {
        sources.push(`drug ${d.id} from RxNorm ${c.code}`);
        return d.id;
      }
    }
  for (const cc of concepts)
    for (const t of conceptTexts(cc)) {
      const d = drugFromText(t, ctx);
      if (d) {
        sources.push(`drug ${d} from the text "${t}"`);
        return d;
      }
    }
  return undefined;
}

function routeFrom(dosage: unknown, sources: string[]): Route | undefined {
  for (const di of asArray(dosage)) {
    if (!isObject(di)) continue;
    for (const c of codings(di['route'])) {
      const r = ROUTE_CODES[c.code!];
      if (r) {
        sources.push(`route ${r} from dosageInstruction.route ${c.code}`);
        return r;
      }
    }
    for (const t of conceptTexts(di['route'])) {
      const w = words(t);
      const hit = Object.entries(ROUTE_WORDS).find(([k]) => w.includes(` ${k} `));
      if (hit) {
        sources.push(`route ${hit[1]} from dosageInstruction.route "${t}"`);
        return hit[1];
      }
    }
  }
  return undefined;
}

function diagnosesFrom(
  r: Json,
  resources: ReadonlyMap<string, Json>,
  sources: string[],
  unmapped: string[],
): string[] {
  const out: string[] = [];
  const take = (cc: unknown, where: string) => {
    for (const c of codings(cc)) {
      if (inSystem(c, SYSTEMS.icd10cm) && normalizeIcd10cm(c.code!)) {
        if (!out.includes(c.code!)) out.push(c.code!);
        sources.push(`diagnosis ${c.code} from ${where}`);
      } else unmapped.push(`${where} ${c.system ?? '?'}|${c.code}`);
    }
  };
  take(r['reasonCode'], 'reasonCode');
  for (const ref of asArray(r['reasonReference'])) {
    const key = refKey(ref);
    const cond = key ? resources.get(key) : undefined;
    if (cond) take(cond['code'], key!);
    else if (key) unmapped.push(`reasonReference ${key} (not available)`);
  }
  return out;
}

function procedureCodesFrom(code: unknown, sources: string[], unmapped: string[]): string[] {
  const out: string[] = [];
  const concepts: unknown[] = [code];
  if (isObject(code))
    for (const ext of asArray(code['extension']))
      if (isObject(ext) && ext['url'] === SYSTEMS.billingOptions)
        concepts.push(ext['valueCodeableConcept']);
  for (const cc of concepts)
    for (const c of codings(cc)) {
      if (!inSystem(c, SYSTEMS.cpt) && !inSystem(c, SYSTEMS.hcpcs)) continue;
      const pc = classifyProcedureCode(c.code!);
      if (!pc) {
        unmapped.push(`code ${c.system}|${c.code}`);
        continue;
      }
      if (!out.includes(pc.code)) {
        out.push(pc.code);
        sources.push(
          `procedure ${pc.code} from ${inSystem(c, SYSTEMS.cpt) ? 'CPT' : 'HCPCS'} coding`,
        );
      }
    }
  return out;
}

function settingFrom(r: Json, encounter: Json | undefined, sources: string[]): Setting | undefined {
  for (const c of codings(r['locationCode'])) {
    const pos = inSystem(c, SYSTEMS.pos) && c.code ? settingForPos(c.code) : undefined;
    if (pos) {
      sources.push(`setting ${pos} from place of service ${c.code}`);
      return pos;
    }
  }
  for (const c of codings(r['category']))
    if (inSystem(c, SYSTEMS.medRequestCategory) && MED_CATEGORY[c.code!]) {
      sources.push(`setting ${MED_CATEGORY[c.code!]} from MedicationRequest.category ${c.code}`);
      return MED_CATEGORY[c.code!];
    }
  const cls = encounter?.['class'];
  if (isObject(cls) && str(cls['code']) && ENCOUNTER_CLASS[String(cls['code'])]) {
    const s = ENCOUNTER_CLASS[String(cls['code'])]!;
    sources.push(`setting ${s} from Encounter.class ${String(cls['code'])}`);
    return s;
  }
  return undefined;
}

function dateFrom(r: Json, today: string, sources: string[]): string {
  const candidates: [string, unknown][] = [
    ['occurrenceDateTime', r['occurrenceDateTime']],
    [
      'occurrencePeriod.start',
      isObject(r['occurrencePeriod']) ? r['occurrencePeriod']['start'] : undefined,
    ],
    ['start', r['start']],
  ];
  for (const di of asArray(r['dosageInstruction'])) {
    const timing = isObject(di) ? di['timing'] : undefined;
    if (!isObject(timing)) continue;
    candidates.push(['dosageInstruction.timing.event', asArray(timing['event'])[0]]);
    const rep = timing['repeat'];
    if (isObject(rep) && isObject(rep['boundsPeriod']))
      candidates.push([
        'dosageInstruction.timing.repeat.boundsPeriod.start',
        rep['boundsPeriod']['start'],
      ]);
  }
  for (const rp of asArray(r['requestedPeriod']))
    if (isObject(rp)) candidates.push(['requestedPeriod.start', rp['start']]);
  const dr = r['dispenseRequest'];
  if (isObject(dr) && isObject(dr['validityPeriod']))
    candidates.push(['dispenseRequest.validityPeriod.start', dr['validityPeriod']['start']]);
  candidates.push(['authoredOn', r['authoredOn']]);
  for (const [where, v] of candidates) {
    const d = datePart(v);
    if (d) {
      sources.push(`dateOfService ${d} from ${where}`);
      return d;
    }
  }
  sources.push(`dateOfService ${today}: the order states no date`);
  return today;
}

/** The order an Appointment is for: its first basedOn request we hold. */
export function appointmentOrder(
  appt: Json,
  resources: ReadonlyMap<string, Json>,
): Json | undefined {
  for (const ref of asArray(appt['basedOn'])) {
    const key = refKey(ref);
    const r = key ? resources.get(key) : undefined;
    if (r) return r;
  }
  return undefined;
}

export function orderToCoverageRequest(ctx: DecisionContext, input: MapInput): MappedOrder {
  const sources: string[] = [...input.coverage.via];
  const unmapped: string[] = [];
  let r = input.resource;
  const type = String(r['resourceType']);
  const dateOwner = r;
  if (type === 'Appointment') {
    const basis = appointmentOrder(r, input.resources);
    if (basis) {
      sources.push(
        `the order ${String(basis['resourceType'])}/${String(basis['id'])} the appointment is based on`,
      );
      r = basis;
    }
  }
  const rType = String(r['resourceType']);
  const request: CoverageRequest = {
    payer: input.coverage.payer ?? '',
    dateOfService: dateFrom(dateOwner, input.today, sources),
  };
  if (input.coverage.lineOfBusiness) request.lineOfBusiness = input.coverage.lineOfBusiness;
  if (input.coverage.planType) request.planType = input.coverage.planType;
  if (input.coverage.medicarePrimary) request.medicarePrimary = true;

  let drug: string | undefined;
  let route: Route | undefined;
  let procedureCodes: string[] = [];
  if (rType === 'MedicationRequest') {
    const concepts: unknown[] = [r['medicationCodeableConcept']];
    const medKey = refKey(r['medicationReference']);
    const med = medKey ? input.resources.get(medKey) : undefined;
    if (med) {
      concepts.push(med['code']);
      for (const ing of asArray(med['ingredient']))
        if (isObject(ing)) concepts.push(ing['itemCodeableConcept']);
    } else if (medKey) unmapped.push(`medicationReference ${medKey} (not available)`);
    drug = drugFromConcepts(concepts, ctx, sources);
    route = routeFrom(r['dosageInstruction'], sources);
  } else if (rType === 'ServiceRequest') {
    procedureCodes = procedureCodesFrom(r['code'], sources, unmapped);
    drug = drugFromConcepts([r['code'], ...asArray(r['orderDetail'])], ctx, sources);
  } else if (rType === 'Appointment') {
    procedureCodes = procedureCodesFrom(r['serviceType'], sources, unmapped);
    drug = drugFromConcepts(
      [...asArray(r['serviceType']), r['appointmentType'], ...asArray(r['reasonCode'])],
      ctx,
      sources,
    );
  }
  const diagnoses = diagnosesFrom(r, input.resources, sources, unmapped);
  if (rType !== type)
    for (const d of diagnosesFrom(input.resource, input.resources, sources, unmapped))
      if (!diagnoses.includes(d)) diagnoses.push(d);
  const setting = settingFrom(r, input.encounter, sources);

  if (drug) request.drug = drug;
  if (route) request.route = route;
  if (procedureCodes.length > 0) request.procedureCodes = procedureCodes;
  if (diagnoses.length > 0) request.diagnosisCodes = diagnoses;
  if (setting) request.setting = setting;

  const t = ctx.terminology;
  const inScope =
    drug !== undefined ||
    procedureCodes.some((c) => {
      const pc = classifyProcedureCode(c);
      if (!pc) return false;
      const rec = (pc.system === 'cpt' ? t.cpt : t.hcpcs).get(pc.code);
      return rec?.drug !== undefined || (rec?.routes?.length ?? 0) > 0;
    });
  const id = str(input.resource['id']);
  return {
    inScope,
    request,
    sources,
    unmapped,
    label: `${type}${id ? `/${id}` : ''}${drug ? ` (${drug}${route ? `, ${route}` : ''})` : ''}`,
    phrase: drug ? `${route ? `${route} ` : ''}${drug}` : 'this order',
  };
}
