// Builders for EHR-style CRD hook calls about IV ketamine and lidocaine orders. The Coverage
// names the payer the way an EHR does: a payor display (the insurer's name on the card) and,
// optionally, a payor identifier.
import { randomUUID } from 'node:crypto';

export interface OrderOptions {
  payerName: string;
  payerId?: string;
  planName?: string;
  coverageType?: { system: string; code: string };
  drug?: 'ketamine' | 'lidocaine';
  diagnosis?: string;
  routeCode?: string;
  date?: string;
  encounterClass?: string;
  /** Leave the Coverage out of prefetch (the server must read it). */
  withoutCoveragePrefetch?: boolean;
  requestedVersion?: string;
  fhirServer?: string;
  accessToken?: string;
}

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

export function coverage(o: OrderOptions, id = 'cov-1'): Record<string, unknown> {
  const cov: Record<string, unknown> = {
    resourceType: 'Coverage',
    id,
    status: 'active',
    beneficiary: { reference: 'Patient/pat-1' },
    payor: [
      {
        display: o.payerName,
        ...(o.payerId ? { identifier: { system: 'urn:medpolicy:payer', value: o.payerId } } : {}),
      },
    ],
    type: {
      coding: [
        o.coverageType ?? {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: 'PPO',
        },
      ],
    },
  };
  if (o.planName)
    cov['class'] = [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'plan' },
          ],
        },
        value: 'plan-1',
        name: o.planName,
      },
    ];
  return cov;
}

export function medicationRequest(o: OrderOptions, id = 'mr-1'): Record<string, unknown> {
  const drug = o.drug ?? 'ketamine';
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: drug === 'ketamine' ? '6130' : '6387', display: drug }],
    },
    subject: { reference: 'Patient/pat-1' },
    encounter: { reference: 'Encounter/enc-1' },
    authoredOn: o.date ?? '2025-09-15',
    reasonCode: [{ coding: [{ system: ICD10CM, code: o.diagnosis ?? 'G90.521' }] }],
    dosageInstruction: [
      {
        text: `${drug} 0.5 mg/kg IV over 40 minutes`,
        route: {
          coding: [
            {
              system: 'http://snomed.info/sct',
              code: o.routeCode ?? '47625008',
              display: 'Intravenous route',
            },
          ],
        },
      },
    ],
  };
}

export function encounter(o: OrderOptions): Record<string, unknown> {
  return {
    resourceType: 'Encounter',
    id: 'enc-1',
    status: 'in-progress',
    class: {
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
      code: o.encounterClass ?? 'AMB',
    },
    subject: { reference: 'Patient/pat-1' },
  };
}

export function orderSignCall(
  o: OrderOptions,
  order = medicationRequest(o),
): Record<string, unknown> {
  const prefetch: Record<string, unknown> = { encounter: encounter(o) };
  if (!o.withoutCoveragePrefetch)
    prefetch['coverage'] = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ fullUrl: 'http://ehr.example/fhir/Coverage/cov-1', resource: coverage(o) }],
    };
  const call: Record<string, unknown> = {
    hook: 'order-sign',
    hookInstance: randomUUID(),
    fhirServer: o.fhirServer ?? 'http://ehr.example/fhir',
    fhirAuthorization: {
      access_token: o.accessToken ?? 'test-token',
      token_type: 'Bearer',
      expires_in: 30,
      scope: 'user/Coverage.read user/Encounter.read',
      subject: 'medpolicy',
    },
    context: {
      userId: 'Practitioner/pr-1',
      patientId: 'pat-1',
      encounterId: 'enc-1',
      draftOrders: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          {
            fullUrl: `http://ehr.example/fhir/${String(order['resourceType'])}/${String(order['id'])}`,
            resource: order,
          },
        ],
      },
    },
    prefetch,
  };
  if (o.requestedVersion)
    call['extension'] = { 'davinci-crd.requestedVersion': o.requestedVersion };
  return call;
}

/** A PAS request Bundle for one order (as CRD annotated it) under the options' Coverage. */
export function pasBundle(
  o: OrderOptions,
  order: Record<string, unknown>,
  transaction: string,
): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:x', value: transaction },
    type: 'collection',
    timestamp: '2025-09-10T15:00:00Z',
    entry: [
      {
        fullUrl: 'urn:uuid:0b0c5a2e-0000-4000-8000-000000000001',
        resource: {
          resourceType: 'Claim',
          status: 'active',
          use: 'preauthorization',
          patient: { reference: 'Patient/pat-1' },
          insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/cov-1' } }],
          item: [
            {
              sequence: 1,
              extension: [
                {
                  url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-requestedService',
                  valueReference: {
                    reference: `${String(order['resourceType'])}/${String(order['id'])}`,
                  },
                },
              ],
              servicedDate: o.date ?? '2025-09-15',
            },
          ],
        },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Patient/pat-1',
        resource: { resourceType: 'Patient', id: 'pat-1' },
      },
      { fullUrl: 'http://ehr.example/fhir/Coverage/cov-1', resource: coverage(o) },
      {
        fullUrl: `http://ehr.example/fhir/${String(order['resourceType'])}/${String(order['id'])}`,
        resource: order,
      },
      {
        fullUrl: 'http://ehr.example/fhir/Encounter/enc-1',
        resource: { resourceType: 'Encounter', id: 'enc-1', class: { code: 'AMB' } },
      },
    ],
  };
}

/**
 * The PAS Claim Bundle with a completed DTR QuestionnaireResponse attached as additional
 * information (PAS Claim.fsh: supportingInfo AdditionalInformation, its valueReference an entry
 * of the Bundle), as an EHR sends the answers behind a request.
 */
export function withQuestionnaireResponse(
  bundle: Record<string, unknown>,
  qr: unknown,
  fullUrl = 'urn:uuid:6f1e2d3c-0000-4000-8000-000000000001',
): Record<string, unknown> {
  const entries = bundle['entry'] as { fullUrl: string; resource: Record<string, unknown> }[];
  const claim = entries[0]!.resource;
  claim['supportingInfo'] = [
    {
      sequence: 1,
      category: {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes',
            code: 'additionalInformation',
          },
        ],
      },
      extension: [
        {
          url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-documentInformation',
          extension: [
            {
              url: 'reportTypeCode',
              valueCodeableConcept: {
                coding: [{ system: 'https://codesystem.x12.org/005010/755', code: 'PY' }],
              },
            },
          ],
        },
      ],
      valueReference: { reference: fullUrl },
    },
  ];
  entries.push({ fullUrl, resource: qr as Record<string, unknown> });
  return bundle;
}
