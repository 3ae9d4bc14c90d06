import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadContext } from '../../service/load-context.js';
import { decideRequest } from '../../service/decide-request.js';
import {
  ADMINISTRATION_REFERENCE_URL,
  ITEM_TRACE_NUMBER_URL,
  readClaimResponse,
  REVIEW_ACTION_URL,
  submitPasBundle,
  X12_306,
  type PasClaimResponseRecordV1,
  type PasDeps,
  type PasRecordStore,
} from './submit-claim.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ctx = loadContext({});

/** A Map-backed store: the port's contract, nothing more. */
class MapStore implements PasRecordStore {
  records = new Map<string, PasClaimResponseRecordV1>();
  async saveClaimResponse(r: PasClaimResponseRecordV1) {
    this.records.set(r.id, r);
  }
  async getClaimResponse(id: string) {
    return this.records.get(id)?.claimResponse;
  }
}

function deps(extra: Partial<PasDeps> = {}): PasDeps & { store: MapStore } {
  let n = 0;
  return {
    ctx,
    store: new MapStore(),
    now: () => new Date('2025-09-10T15:00:00Z'),
    newId: () => `pas-${++n}`,
    policyUrl: (id) => `https://medpolicy.example/v1/policies/${id}`,
    ...extra,
  } as PasDeps & { store: MapStore };
}

interface ClaimOpts {
  payer?: string;
  plan?: string;
  drug?: 'ketamine' | 'lidocaine';
  dx?: string;
  items?: number;
  assertionId?: string;
  productOrService?: { system: string; code: string };
}

function pasBundle(o: ClaimOpts = {}): J {
  const mr: J = {
    resourceType: 'MedicationRequest',
    id: 'mr-1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/pat-1' },
    medicationCodeableConcept: {
      coding: [
        {
          system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
          code: o.drug === 'lidocaine' ? '6387' : '6130',
        },
      ],
    },
    dosageInstruction: [
      { route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }] } },
    ],
  };
  if (o.assertionId)
    mr['extension'] = [
      {
        url: 'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information',
        extension: [{ url: 'coverage-assertion-id', valueString: o.assertionId }],
      },
    ];
  const items = Array.from({ length: o.items ?? 1 }, (_, i) => ({
    sequence: i + 1,
    diagnosisSequence: [1],
    extension: [
      {
        url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-requestedService',
        valueReference: { reference: 'MedicationRequest/mr-1' },
      },
      // As the PAS IG's ReferralAuthorizationExample carries it (2000F TRN).
      {
        url: ITEM_TRACE_NUMBER_URL,
        valueIdentifier: { system: 'http://example.org/ITEM_TRACE_NUMBER', value: `11223${i + 4}` },
      },
    ],
    productOrService: {
      coding: [o.productOrService ?? { system: 'http://www.ama-assn.org/go/cpt', code: '96365' }],
    },
    servicedDate: '2025-10-01',
    locationCodeableConcept: {
      coding: [
        {
          system:
            'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
          code: '22',
        },
      ],
    },
  }));
  return {
    resourceType: 'Bundle',
    identifier: { system: 'http://example.org/SUBMITTER_TRANSACTION_IDENTIFIER', value: 'A12345' },
    type: 'collection',
    timestamp: '2025-09-10T14:59:00Z',
    entry: [
      {
        fullUrl: 'http://ehr.example/fhir/Claim/claim-1',
        resource: {
          resourceType: 'Claim',
          id: 'claim-1',
          status: 'active',
          type: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' },
            ],
          },
          use: 'preauthorization',
          patient: { reference: 'Patient/pat-1' },
          created: '2025-09-10T14:59:00Z',
          insurer: { reference: 'Organization/payer' },
          provider: { reference: 'Organization/clinic' },
          priority: { coding: [{ code: 'normal' }] },
          diagnosis: [
            {
              sequence: 1,
              diagnosisCodeableConcept: {
                coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: o.dx ?? 'G90.521' }],
              },
            },
          ],
          insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/cov-1' } }],
          item: items,
        },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Patient/pat-1',
        resource: { resourceType: 'Patient', id: 'pat-1' },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Organization/payer',
        resource: {
          resourceType: 'Organization',
          id: 'payer',
          name: o.payer ?? 'Blue Cross Blue Shield of Massachusetts',
        },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Organization/clinic',
        resource: { resourceType: 'Organization', id: 'clinic', name: 'Infusion Clinic' },
      },
      {
        fullUrl: 'http://ehr.example/fhir/Coverage/cov-1',
        resource: {
          resourceType: 'Coverage',
          id: 'cov-1',
          status: 'active',
          beneficiary: { reference: 'Patient/pat-1' },
          payor: [{ reference: 'Organization/payer' }],
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PPO' }],
          },
          ...(o.plan
            ? { class: [{ type: { coding: [{ code: 'plan' }] }, value: 'p', name: o.plan }] }
            : {}),
        },
      },
      { fullUrl: 'http://ehr.example/fhir/MedicationRequest/mr-1', resource: mr },
    ],
  };
}

function reviewCodes(body: J): string[] {
  const cr = body.entry[0].resource;
  return cr.item.map((it: J) => {
    const ra = it.adjudication[0].extension.find((e: J) => e.url === REVIEW_ACTION_URL);
    const code = ra.extension.find((e: J) => e.url === 'code').valueCodeableConcept.coding[0];
    assert.equal(code.system, X12_306);
    return code.code;
  });
}

describe('PAS Claim/$submit', () => {
  it('IV ketamine for CRPS under BCBSMA is not certified (A3) with the policy’s reason, and stored', async () => {
    const d = deps();
    const res = await submitPasBundle(pasBundle({ assertionId: 'crd-assertion-7' }), d);
    assert.equal(res.status, 200);
    const body = res.body as J;
    assert.equal(body.resourceType, 'Bundle');
    assert.equal(body.type, 'collection');
    assert.deepEqual(body.identifier, {
      system: 'http://example.org/SUBMITTER_TRANSACTION_IDENTIFIER',
      value: 'A12345',
    });
    const cr = body.entry[0].resource;
    assert.equal(cr.resourceType, 'ClaimResponse');
    assert.equal(cr.use, 'preauthorization');
    assert.equal(cr.status, 'active');
    assert.deepEqual(cr.request, { reference: 'http://ehr.example/fhir/Claim/claim-1' });
    assert.deepEqual(reviewCodes(body), ['A3']);
    assert.equal(cr.item[0].itemSequence, 1);
    assert.match(
      cr.item[0].adjudication[0].reason.text,
      /^investigational: Intravenous infusion of anesthetics/,
    );
    assert.match(cr.processNote[0].text, /policy #291/);
    const rec = d.store.records.get(cr.id)!;
    assert.equal(rec.payer, 'bcbsma');
    assert.equal(rec.items[0]!.coverageAssertionId, 'crd-assertion-7');
    assert.equal(rec.items[0]!.reviewAction, 'A3');
    // Referenced resources are echoed under the request's fullUrls.
    assert.ok(body.entry.some((e: J) => e.fullUrl === 'http://ehr.example/fhir/Patient/pat-1'));
    const read = await readClaimResponse(cr.id, d);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, cr);
  });

  it('BCN65 (follows primary Medicare) is pended (A4) with what it turns on', async () => {
    const d = deps();
    const res = await submitPasBundle(
      pasBundle({ payer: 'Blue Care Network of Michigan', plan: 'BCN65' }),
      d,
    );
    const body = res.body as J;
    assert.deepEqual(reviewCodes(body), ['A4']);
    assert.match(body.entry[0].resource.processNote[0].text, /primary Medicare/);
  });

  it('a pended answer has what the IG’s pended example has: outcome complete, an administration reference number, A4 "Pending"', async () => {
    // PAS 2.2.1 input/fsh/Examples.fsh, PractitionerRequestorPendingResponseExample:
    //   outcome = #complete; item.extension[administrationReferenceNumber].valueString = "PEND0001";
    //   reviewAction code = https://codesystem.x12.org/005010/306#A4 "Pending"
    const d = deps();
    const body = (
      await submitPasBundle(pasBundle({ payer: 'Blue Care Network of Michigan', plan: 'BCN65' }), d)
    ).body as J;
    const cr = body.entry[0].resource;
    assert.equal(cr.outcome, 'complete');
    const item = cr.item[0];
    const ref = item.extension.filter((e: J) => e.url === ADMINISTRATION_REFERENCE_URL);
    assert.equal(ref.length, 1);
    assert.match(ref[0].valueString, /\S/);
    const code = item.adjudication[0].extension[0].extension.find((e: J) => e.url === 'code');
    assert.deepEqual(code.valueCodeableConcept.coding, [
      { system: 'https://codesystem.x12.org/005010/306', code: 'A4', display: 'Pending' },
    ]);
    assert.deepEqual(item.adjudication[0].category.coding[0], {
      system: 'http://terminology.hl7.org/CodeSystem/adjudication',
      code: 'submitted',
    });
  });

  it('each item echoes its trace numbers, and the ClaimResponse identifier uses the PAS urn:trnorg scheme', async () => {
    // PAS 2.2.1 ClaimResponse.fsh: item.extension[itemTraceNumber] 0..* MS ("Uniquely identifies
    // this claim item. (2000F-TRN)"); identifier.system "Should use a scheme of 'urn:trnorg:<TRN03>'".
    const sent = pasBundle({ items: 2 });
    const body = (await submitPasBundle(sent, deps())).body as J;
    const cr = body.entry[0].resource;
    const traces = (it: J) => it.extension.filter((e: J) => e.url === ITEM_TRACE_NUMBER_URL);
    for (const [i, item] of (cr.item as J[]).entries())
      assert.deepEqual(traces(item), traces(sent.entry[0].resource.item[i]));
    assert.deepEqual(
      cr.item.map((it: J) => traces(it)[0].valueIdentifier.value),
      ['112234', '112235'],
    );
    assert.equal(cr.identifier[0].system, 'urn:trnorg:9MEDPOLICY');
    assert.equal(cr.identifier[0].value, cr.id);
    const own = (await submitPasBundle(pasBundle(), deps({ traceOriginator: '1234567890' })))
      .body as J;
    assert.equal(own.entry[0].resource.identifier[0].system, 'urn:trnorg:1234567890');
  });

  it('a covered determination is certified (A1) with an authorization number (no shipped policy covers these drugs, so the decision is stubbed)', async () => {
    const d = deps({
      decide: (input, c) => {
        const r = decideRequest(input, c);
        return r.ok
          ? {
              ok: true,
              determination: {
                ...r.determination,
                outcome: 'covered',
                basis: undefined,
                priorAuth: 'required',
              },
            }
          : r;
      },
    });
    const body = (await submitPasBundle(pasBundle({ items: 2 }), d)).body as J;
    assert.deepEqual(reviewCodes(body), ['A1', 'A1']);
    const cr = body.entry[0].resource;
    const num = cr.item[0].adjudication[0].extension[0].extension.find(
      (e: J) => e.url === 'number',
    ).valueString;
    assert.ok(num);
    assert.equal(cr.preAuthRef, num);
    assert.equal(cr.outcome, 'complete');
  });

  it('a coverage not administered here is pended', async () => {
    const body = (await submitPasBundle(pasBundle({ payer: 'Acme Health Plan' }), deps()))
      .body as J;
    assert.deepEqual(reviewCodes(body), ['A4']);
  });

  it('an item no policy speaks to is pended', async () => {
    const b = pasBundle({
      productOrService: { system: 'http://www.ama-assn.org/go/cpt', code: '77067' },
    });
    b.entry[0].resource.item[0].extension = [];
    const body = (await submitPasBundle(b, deps())).body as J;
    assert.deepEqual(reviewCodes(body), ['A4']);
  });

  const malformed: [string, (b: J) => unknown][] = [
    ['not a Bundle', () => ({ resourceType: 'Claim' })],
    ['a batch Bundle', (b) => ({ ...b, type: 'batch' })],
    ['no identifier', (b) => ({ ...b, identifier: undefined })],
    ['Claim not first', (b) => ({ ...b, entry: [...b.entry.slice(1), b.entry[0]] })],
    ['use claim', (b) => ((b.entry[0].resource.use = 'claim'), b)],
    ['no items', (b) => ((b.entry[0].resource.item = []), b)],
    [
      'a Coverage outside the Bundle',
      (b) => ((b.entry[0].resource.insurance[0].coverage = { reference: 'Coverage/elsewhere' }), b),
    ],
    ['an entry without fullUrl', (b) => (delete b.entry[1].fullUrl, b)],
    ['null', () => null],
  ];
  for (const [name, make] of malformed)
    it(`rejects ${name} with 400 and an OperationOutcome`, async () => {
      const res = await submitPasBundle(make(pasBundle()), deps());
      assert.equal(res.status, 400);
      assert.equal((res.body as J).resourceType, 'OperationOutcome');
    });

  it('an unknown ClaimResponse id is 404 with an OperationOutcome', async () => {
    const res = await readClaimResponse('nope', deps());
    assert.equal(res.status, 404);
    assert.equal((res.body as J).resourceType, 'OperationOutcome');
  });
});
