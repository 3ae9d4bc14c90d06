import { settingForPos } from '../../terminology/place-of-service.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decideRequest } from '../../service/decide-request.js';
import { loadContext } from '../../service/load-context.js';
import {
  coverage,
  encounter,
  medicationRequest,
  orderSignCall,
  type OrderOptions,
} from '../../../test/support/crd-orders.js';
import {
  startFhirTestServer,
  type FhirTestServer,
} from '../../../test/support/fhir-test-server.js';
import {
  checkCoverageInformation,
  COVERAGE_INFORMATION_URL,
  type CrdVersion,
} from './coverage-information.js';
import { orderToCoverageRequest } from './fhir-to-coverage-request.js';
import { fhirServerMatcher } from './fhir-server-allowlist.js';
import { handleHook, type CoverageAssertionRecordV1, type HookDeps } from './handle-hook.js';
import type { FhirReadFailure } from './prefetch.js';

const ctx = loadContext({});
type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function deps(extra: Partial<HookDeps> = {}): HookDeps & { records: CoverageAssertionRecordV1[] } {
  let n = 0;
  const records: CoverageAssertionRecordV1[] = [];
  return {
    ctx,
    now: () => new Date('2025-09-10T15:00:00Z'),
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    policyUrl: (id) => `https://medpolicy.example/v1/policies/${id}`,
    record: async (r) => {
      records.push(r);
    },
    fetchFhir: async () => ({ ok: false, message: 'no EHR in this test' }),
    records,
    ...extra,
  };
}

/** The coverage-information extension's sub-extension values, by url. */
export function covInfo(resource: J): Record<string, unknown[]> {
  const ext = (resource['extension'] as J[]).find((e) => e['url'] === COVERAGE_INFORMATION_URL)!;
  const out: Record<string, unknown[]> = {};
  for (const e of ext['extension'] as J[]) {
    const k = Object.keys(e).find((x) => x.startsWith('value'));
    (out[e['url']] ??= []).push(k ? e[k] : e);
  }
  return out;
}

/** Every systemAction's extension is valid for the version, and the resource is otherwise unchanged. */
function assertWellFormed(body: J, sent: J[], version: CrdVersion) {
  for (const a of body['systemActions'] ?? []) {
    assert.equal(a.type, 'update');
    assert.equal(typeof a.description, 'string');
    const ext = (a.resource.extension as J[]).filter((e) => e['url'] === COVERAGE_INFORMATION_URL);
    assert.equal(ext.length, 1);
    assert.deepEqual(checkCoverageInformation(ext[0], version), []);
    const original = sent.find(
      (r) => r['id'] === a.resource.id && r['resourceType'] === a.resource.resourceType,
    );
    assert.ok(
      original,
      `systemAction for a resource that was not sent: ${a.resource.resourceType}/${a.resource.id}`,
    );
    const { extension: _e, ...rest } = a.resource;
    const { extension: _o, ...origRest } = original!;
    assert.deepEqual(rest, origRest);
  }
  for (const c of body['cards']) {
    assert.ok(typeof c.summary === 'string' && c.summary.length < 140, c.summary);
    assert.ok(['info', 'warning', 'critical'].includes(c.indicator));
    assert.ok(c.source.label && c.source.topic?.code && c.source.topic?.system);
    assert.ok(c.uuid);
  }
}

const PAYERS: { payer: string; name: string; type?: OrderOptions['coverageType'] }[] = [
  { payer: 'bcbsri', name: 'Blue Cross & Blue Shield of Rhode Island' },
  { payer: 'bcbsma', name: 'Blue Cross Blue Shield of Massachusetts' },
  { payer: 'bcbsal', name: 'Blue Cross and Blue Shield of Alabama' },
  { payer: 'bcbsm', name: 'Blue Cross Blue Shield of Michigan' },
  {
    payer: 'bcn',
    name: 'Blue Care Network of Michigan',
    type: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HMO' },
  },
  { payer: 'medica', name: 'Medica' },
];

describe('order-sign: IV ketamine and lidocaine under every payer', () => {
  for (const p of PAYERS)
    for (const drug of ['ketamine', 'lidocaine'] as const)
      it(`${p.payer}: ${drug} for CRPS maps to the engine's determination`, async () => {
        const o: OrderOptions = {
          payerName: p.name,
          drug,
          ...(p.type ? { coverageType: p.type } : {}),
        };
        const call = orderSignCall(o);
        const d = deps();
        const res = await handleHook('medpolicy-order-sign', call, d);
        assert.equal(res.status, 200);
        const body = res.body as J;
        assertWellFormed(body, [medicationRequest(o)], '2.0');
        // What the engine says for the same request, built independently of the mapper.
        const expected = decideRequest(
          {
            payer: p.payer,
            planType: p.type ? 'hmo' : 'ppo',
            dateOfService: '2025-09-15',
            setting: 'outpatient',
            drug,
            route: 'intravenous',
            diagnosisCodes: ['G90.521'],
          },
          ctx,
        );
        assert.ok(expected.ok);
        const det = expected.determination;
        assert.equal(d.records.length, 1);
        assert.deepEqual(d.records[0]!.determination?.outcome, det.outcome);
        assert.equal(d.records[0]!.payer, p.payer);
        const info = covInfo(body.systemActions[0].resource);
        const want =
          det.outcome === 'not-covered'
            ? 'not-covered'
            : det.outcome === 'covered'
              ? 'covered'
              : 'conditional';
        assert.deepEqual(info['covered'], [want]);
        assert.deepEqual(info['coverage'], [{ reference: 'Coverage/cov-1' }]);
        assert.deepEqual(info['coverage-assertion-id'], [d.records[0]!.assertionId]);
        if (det.policy && det.outcome !== 'out-of-scope') {
          const instructions = body.cards.find((c: J) => !c.links);
          const reference = body.cards.find((c: J) => c.links);
          assert.ok(
            instructions.detail.includes(det.reasons[0]!.citation!.quote.replace(/\n+/g, ' ')),
          );
          assert.equal(
            reference.links[0].url,
            `https://medpolicy.example/v1/policies/${det.policy.id}`,
          );
          assert.equal(reference.links[0].type, 'absolute');
          assert.equal(
            instructions.source.label,
            p.name === 'Medica' ? 'Medica' : instructions.source.label,
          );
        }
      });

  // Concrete expectations from the scenario cases (policies/*/*.cases.yaml).
  const CRPS: [string, string, string][] = [
    ['bcbsma', 'Blue Cross Blue Shield of Massachusetts', 'investigational'], // 291.cases.yaml:6
    ['bcbsri', 'Blue Cross & Blue Shield of Rhode Island', 'not medically necessary'], // iv-anesthetics-chronic-pain.cases.yaml:6
    ['bcbsal', 'Blue Cross and Blue Shield of Alabama', 'investigational'], // mp-446.cases.yaml:6
    ['medica', 'Medica', 'not covered'], // mb2300.cases.yaml:6
  ];
  for (const [payer, name, basis] of CRPS)
    it(`${payer}: IV ketamine for CRPS is not-covered, without pa-needed, and says why`, async () => {
      const res = await handleHook(
        'medpolicy-order-sign',
        orderSignCall({ payerName: name }),
        deps(),
      );
      const info = covInfo((res.body as J).systemActions[0].resource);
      assert.deepEqual(info['covered'], ['not-covered']);
      assert.equal(info['pa-needed'], undefined);
      assert.match((info['reason']![0] as J)['text'], new RegExp(basis));
    });

  it('bcn: BCN65 follows primary Medicare: conditional (iv-anesthetics.cases.yaml:58)', async () => {
    const res = await handleHook(
      'medpolicy-order-sign',
      orderSignCall({
        payerName: 'Blue Care Network',
        planName: 'BCN65 Medicare Complementary',
        requestedVersion: '2.2',
      }),
      deps(),
    );
    const info = covInfo((res.body as J).systemActions[0].resource);
    assert.deepEqual(info['covered'], ['conditional']);
    assert.deepEqual(info['info-needed'], ['OTH']);
    assert.match((info['reason']![0] as J)['text'], /primary Medicare/);
  });

  // MB2300 gives a Medicare-primary member a prior-auth rule only and never says coverage follows
  // Medicare: its statements decide (not covered), with a text-silent warning.
  it('medica: Medicare primary (another coverage ranked first) is read as Medicare primary, and MB2300 decides (mb2300.cases.yaml:86)', async () => {
    const call = orderSignCall({ payerName: 'Medica' }) as J;
    const medicare = {
      ...coverage({ payerName: 'Centers for Medicare and Medicaid Services' }, 'cov-medicare'),
      order: 1,
    };
    call['prefetch']['coverage']['entry'] = [
      { resource: medicare },
      { resource: { ...coverage({ payerName: 'Medica' }), order: 2 } },
    ];
    const d = deps();
    const res = await handleHook('medpolicy-order-sign', call, d);
    const info = covInfo((res.body as J).systemActions[0].resource);
    assert.equal((d.records[0]!.request as J)['medicarePrimary'], true);
    assert.equal(d.records[0]!.determination?.priorAuth, 'required');
    assert.ok(d.records[0]!.determination?.warnings.some((w) => w.code === 'text-silent'));
    assert.deepEqual(info['covered'], ['not-covered']);
    assert.deepEqual(info['coverage'], [{ reference: 'Coverage/cov-1' }]);
  });

  it('bcbsma inpatient: prior authorization required, yet not covered — so no pa-needed (291.cases.yaml:38)', async () => {
    const d = deps();
    const res = await handleHook(
      'medpolicy-order-sign',
      orderSignCall({
        payerName: 'Blue Cross Blue Shield of Massachusetts',
        encounterClass: 'IMP',
      }),
      d,
    );
    assert.equal(d.records[0]!.determination?.priorAuth, 'required');
    const info = covInfo((res.body as J).systemActions[0].resource);
    assert.deepEqual(info['covered'], ['not-covered']);
    assert.equal(info['pa-needed'], undefined);
  });
});

describe('order-sign: versions, configuration, unknown coverage, missing data', () => {
  it('requestedVersion 2.2 yields 2.2 content (card-type system, detail category)', async () => {
    const res = await handleHook(
      'medpolicy-order-sign',
      orderSignCall({ payerName: 'BCBSMA', requestedVersion: '2.2' }),
      deps(),
    );
    const body = res.body as J;
    assertWellFormed(body, [medicationRequest({ payerName: 'x' })], '2.2');
    assert.equal(
      body.cards[0].source.topic.system,
      'http://terminology.hl7.org/CodeSystem/cdshooks-card-type',
    );
    const detail = covInfo(body.systemActions[0].resource)['detail']![0] as J;
    assert.ok((detail['extension'] as J[]).some((e) => e['url'] === 'category'));
  });

  it('an unoffered requestedVersion is a 400', async () => {
    const res = await handleHook(
      'medpolicy-order-sign',
      orderSignCall({ payerName: 'BCBSMA', requestedVersion: '1.0' }),
      deps(),
    );
    assert.equal(res.status, 400);
    assert.equal((res.body as J).resourceType, 'OperationOutcome');
  });

  it('configuration: coverage-info false drops the systemAction; max-cards caps cards; guideline false drops the link card', async () => {
    const call = orderSignCall({ payerName: 'BCBSMA' }) as J;
    call['extension'] = { 'davinci-crd.configuration': { 'coverage-info': false, unknown: 3 } };
    let body = (await handleHook('medpolicy-order-sign', call, deps())).body as J;
    assert.equal(body.systemActions, undefined);
    assert.equal(body.cards.length, 1);
    assert.ok(body.cards[0].links);
    call['extension'] = { 'davinci-crd.configuration': { guideline: false } };
    body = (await handleHook('medpolicy-order-sign', call, deps())).body as J;
    assert.equal(body.cards.length, 1);
    assert.equal(body.cards[0].links, undefined);
    assert.equal(body.systemActions.length, 1);
    call['extension'] = { 'davinci-crd.configuration': { 'max-cards': 0 } };
    body = (await handleHook('medpolicy-order-sign', call, deps())).body as J;
    assert.deepEqual(body.cards, []);
    assert.equal(body.systemActions.length, 1);
  });

  it('a coverage no payer here administers: 200, indeterminate (2.2) / conditional (2.0.1) with coverage-not-found', async () => {
    for (const [version, covered] of [
      ['2.2', 'indeterminate'],
      ['2.0', 'conditional'],
    ] as const) {
      const res = await handleHook(
        'medpolicy-order-sign',
        orderSignCall({ payerName: 'Acme Health Plan', requestedVersion: version }),
        deps(),
      );
      assert.equal(res.status, 200);
      const info = covInfo((res.body as J).systemActions[0].resource);
      assert.deepEqual(info['covered'], [covered]);
      assert.match((info['reason']![0] as J)['text'], /Acme Health Plan/);
    }
  });

  it('no active coverage: 200 with a card and no systemAction (the extension needs a Coverage)', async () => {
    const call = orderSignCall({ payerName: 'BCBSMA' }) as J;
    call['prefetch']['coverage'] = null;
    const res = await handleHook('medpolicy-order-sign', call, deps());
    assert.equal(res.status, 200);
    assert.equal((res.body as J).systemActions, undefined);
    assert.match((res.body as J).cards[0].summary, /No active coverage/);
  });

  it('an order without a diagnosis: conditional, naming what is missing', async () => {
    const o: OrderOptions = { payerName: 'BCBSMA', requestedVersion: '2.2' };
    const mr = medicationRequest(o);
    delete mr['reasonCode'];
    const res = await handleHook('medpolicy-order-sign', orderSignCall(o, mr), deps());
    const info = covInfo((res.body as J).systemActions[0].resource);
    assert.deepEqual(info['covered'], ['conditional']);
    assert.deepEqual(info['info-needed'], ['OTH']);
    assert.match((info['reason']![0] as J)['text'], /diagnosis/i);
  });

  it('a non-ICD diagnosis code in the order is answered, not rejected', async () => {
    const o: OrderOptions = { payerName: 'BCBSMA', diagnosis: 'G90.5X' };
    const res = await handleHook('medpolicy-order-sign', orderSignCall(o), deps());
    assert.equal(res.status, 200);
    assert.equal((res.body as J).systemActions.length, 1);
  });

  it('an order no policy here speaks to is conditional, with no cards', async () => {
    const o: OrderOptions = { payerName: 'BCBSMA' };
    const sr = {
      resourceType: 'ServiceRequest',
      id: 'sr-1',
      status: 'draft',
      intent: 'order',
      code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '77067' }] },
    };
    const res = await handleHook('medpolicy-order-sign', orderSignCall(o, sr), deps());
    const body = res.body as J;
    assert.deepEqual(covInfo(body.systemActions[0].resource)['covered'], ['conditional']);
    assert.deepEqual(body.cards, []);
  });

  it('a ServiceRequest for J2003 + 96365 is IV lidocaine (drug and route from the codes)', async () => {
    const o: OrderOptions = { payerName: 'BCBSMA' };
    const sr = {
      resourceType: 'ServiceRequest',
      id: 'sr-2',
      status: 'draft',
      intent: 'order',
      code: {
        coding: [
          { system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'J2003' },
          { system: 'http://www.ama-assn.org/go/cpt', code: '96365' },
        ],
      },
      reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M79.7' }] }],
      occurrenceDateTime: '2025-10-01T09:00:00Z',
    };
    const d = deps();
    const res = await handleHook('medpolicy-order-sign', orderSignCall(o, sr), d);
    assert.deepEqual(covInfo((res.body as J).systemActions[0].resource)['covered'], [
      'not-covered',
    ]);
    assert.equal(d.records[0]!.determination?.drug, 'lidocaine');
    assert.equal((d.records[0]!.request as J)['dateOfService'], '2025-10-01');
  });

  it('a second run on an already annotated order replaces its extension rather than adding one', async () => {
    const o: OrderOptions = { payerName: 'BCBSMA' };
    const first = (await handleHook('medpolicy-order-sign', orderSignCall(o), deps())).body as J;
    const annotated = first.systemActions[0].resource;
    const again = (await handleHook('medpolicy-order-sign', orderSignCall(o, annotated), deps()))
      .body as J;
    assert.equal(
      (again.systemActions[0].resource.extension as J[]).filter(
        (e) => e['url'] === COVERAGE_INFORMATION_URL,
      ).length,
      1,
    );
  });

  it('records carry no patient identifiers', async () => {
    const d = deps();
    await handleHook('medpolicy-order-sign', orderSignCall({ payerName: 'BCBSMA' }), d);
    const text = JSON.stringify(d.records);
    assert.ok(!text.includes('pat-1'));
    assert.ok(!text.includes('test-token'));
  });
});

describe('prefetch: reading what was not prefetched from the EHR', () => {
  let ehr: FhirTestServer;
  const o: OrderOptions = { payerName: 'Blue Cross Blue Shield of Massachusetts' };
  before(async () => {
    ehr = await startFhirTestServer(
      [
        coverage(o),
        encounter(o),
        { ...medicationRequest(o, 'mr-dispatch'), status: 'active' },
        {
          resourceType: 'Medication',
          id: 'med-k',
          code: {
            coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '6130' }],
          },
        },
        {
          resourceType: 'Condition',
          id: 'cond-1',
          code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G90.512' }] },
        },
      ],
      { token: 'ehr-token' },
    );
  });
  after(() => ehr.close());
  const real = async () => (await import('./prefetch.js')).httpFhirFetch({ timeoutMs: 1000 });
  /** Reads the test EHR, which is on the allowlist; failed reads are collected as logged. */
  const ehrDeps = async (failures: FhirReadFailure[] = []) =>
    deps({
      fetchFhir: await real(),
      fhirServerAllowed: fhirServerMatcher([ehr.base]),
      onFhirReadFailure: (f) => failures.push(f),
    });

  it('reads the Coverage with the bearer token when it was not prefetched', async () => {
    const call = orderSignCall({
      ...o,
      withoutCoveragePrefetch: true,
      fhirServer: ehr.base,
      accessToken: 'ehr-token',
    });
    const res = await handleHook('medpolicy-order-sign', call, await ehrDeps());
    assert.equal(res.status, 200);
    assert.deepEqual(covInfo((res.body as J).systemActions[0].resource)['covered'], [
      'not-covered',
    ]);
    const reads = ehr.requests.filter((r) => r.path.startsWith('/fhir/Coverage'));
    assert.equal(reads.length, 1);
    assert.equal(reads[0]!.authorization, 'Bearer ehr-token');
    assert.match(reads[0]!.path, /patient=pat-1&status=active/);
  });

  it('resolves medicationReference and reasonReference from the EHR', async () => {
    const mr = medicationRequest(o, 'mr-ref');
    delete mr['medicationCodeableConcept'];
    delete mr['reasonCode'];
    mr['medicationReference'] = { reference: 'Medication/med-k' };
    mr['reasonReference'] = [{ reference: 'Condition/cond-1' }];
    const d = await ehrDeps();
    const call = orderSignCall({ ...o, fhirServer: ehr.base, accessToken: 'ehr-token' }, mr);
    await handleHook('medpolicy-order-sign', call, d);
    assert.equal(d.records[0]!.determination?.drug, 'ketamine');
    assert.equal(d.records[0]!.determination?.indication, 'crps');
  });

  it('a wrong token: 200 saying the Coverage could not be read; the upstream status is logged, not answered', async () => {
    const call = orderSignCall({
      ...o,
      withoutCoveragePrefetch: true,
      fhirServer: ehr.base,
      accessToken: 'wrong',
      requestedVersion: '2.2',
    });
    const failures: FhirReadFailure[] = [];
    const res = await handleHook('medpolicy-order-sign', call, await ehrDeps(failures));
    assert.equal(res.status, 200);
    assert.match((res.body as J).cards[0].detail, /Coverage could not be read from the EHR/);
    assert.doesNotMatch(JSON.stringify(res.body), /401|OperationOutcome|bad token/);
    assert.deepEqual(failures, [
      { fhirServer: ehr.base, resourceType: 'Coverage', reason: 'HTTP 401' },
    ]);
  });

  it('an EHR that does not answer in time: 200 with a card, not an error; the timeout is logged', async () => {
    const slow = await startFhirTestServer([coverage(o)], { delayMs: 500 });
    try {
      const { httpFhirFetch } = await import('./prefetch.js');
      const call = orderSignCall({ ...o, withoutCoveragePrefetch: true, fhirServer: slow.base });
      const failures: FhirReadFailure[] = [];
      const res = await handleHook(
        'medpolicy-order-sign',
        call,
        deps({
          fetchFhir: httpFhirFetch({ timeoutMs: 100 }),
          fhirServerAllowed: fhirServerMatcher([slow.base]),
          onFhirReadFailure: (f) => failures.push(f),
        }),
      );
      assert.equal(res.status, 200);
      assert.match((res.body as J).cards[0].detail, /Coverage could not be read from the EHR/);
      assert.doesNotMatch(JSON.stringify(res.body), /within 100 ms/);
      assert.equal(failures[0]?.reason, 'no answer within 100 ms');
    } finally {
      await slow.close();
    }
  });

  it('order-dispatch (hook 1.0 order/task context) reads the dispatched order', async () => {
    const call = {
      hook: 'order-dispatch',
      hookInstance: 'a8f1c1f4-0b7d-4b3b-9a55-2f1bde0c9a11',
      fhirServer: ehr.base,
      fhirAuthorization: {
        access_token: 'ehr-token',
        token_type: 'Bearer',
        expires_in: 30,
        scope: 'x',
        subject: 'y',
      },
      context: {
        patientId: 'pat-1',
        order: 'MedicationRequest/mr-dispatch',
        performer: 'Organization/infusion-center',
        task: { resourceType: 'Task', id: 't1', status: 'requested', intent: 'order' },
      },
      prefetch: {
        coverage: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: coverage(o) }] },
      },
    };
    const res = await handleHook('medpolicy-order-dispatch', call, await ehrDeps());
    assert.equal(res.status, 200);
    const body = res.body as J;
    assert.equal(body.systemActions[0].resource.id, 'mr-dispatch');
    assert.deepEqual(covInfo(body.systemActions[0].resource)['covered'], ['not-covered']);
  });
});

describe('the FHIR mapping', () => {
  const o: OrderOptions = {
    payerName: 'Blue Cross Blue Shield of Massachusetts',
    planName: 'Medicare HMO Blue',
  };
  const resolved = {
    coverage: coverage(o),
    reference: 'Coverage/cov-1',
    payer: 'bcbsma',
    label: 'BCBSMA',
    lineOfBusiness: 'medicare-advantage' as const,
    planType: 'hmo' as const,
    medicarePrimary: false,
    via: [],
  };
  const mapOrder = (resource: Record<string, unknown>) =>
    orderToCoverageRequest(ctx, {
      resource,
      resources: new Map(),
      encounter: encounter(o),
      coverage: resolved,
      today: '2025-01-01',
    });
  it('maps payer, plan, drug, route, diagnosis, setting and date, and says where each came from', () => {
    const m = mapOrder(medicationRequest(o));
    assert.deepEqual(m.request, {
      payer: 'bcbsma',
      lineOfBusiness: 'medicare-advantage',
      planType: 'hmo',
      dateOfService: '2025-09-15',
      drug: 'ketamine',
      route: 'intravenous',
      diagnosisCodes: ['G90.521'],
      setting: 'outpatient',
    });
    assert.ok(m.inScope);
    assert.ok(m.sources.some((s) => s === 'drug ketamine from RxNorm 6130'));
  });

  it('reads a route written as an abbreviation (PO, SubQ) with the contract vocabulary', () => {
    for (const [text, route] of [
      ['PO', 'oral'],
      ['SubQ', 'subcutaneous'],
      ['IV push', 'intravenous'],
    ] as const) {
      const order = { ...medicationRequest(o), dosageInstruction: [{ route: { text } }] };
      const m = mapOrder(order);
      assert.equal(m.request['route'], route, text);
    }
  });

  it('reads a place of service with the same CMS table claim screening uses (49 is an office)', () => {
    const order = {
      ...medicationRequest(o),
      locationCode: [
        {
          coding: [
            {
              system:
                'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
              code: '49',
            },
          ],
        },
      ],
    };
    const m = mapOrder(order);
    assert.equal(m.request['setting'], settingForPos('49'));
    assert.equal(m.request['setting'], 'office');
  });
});

describe('malformed hook calls never throw and never 500', () => {
  const good = orderSignCall({ payerName: 'BCBSMA' });
  const bodies: unknown[] = [
    undefined,
    null,
    42,
    'order-sign',
    [],
    {},
    { hook: 'order-sign' },
    { ...good, hook: 'order-select' },
    { ...good, hookInstance: 7 },
    { ...good, context: null },
    { ...good, context: { patientId: 'p' } },
    {
      ...good,
      context: {
        ...(good['context'] as J),
        draftOrders: {
          resourceType: 'Bundle',
          entry: [{ resource: { resourceType: 'Patient', id: 'x' } }],
        },
      },
    },
    {
      ...good,
      context: {
        ...(good['context'] as J),
        draftOrders: {
          resourceType: 'Bundle',
          entry: [{ resource: { resourceType: 'MedicationRequest' } }],
        },
      },
    },
    { ...good, fhirAuthorization: { token_type: 'Bearer' } },
    { ...good, fhirServer: 'ftp://x' },
    { ...good, prefetch: [] },
    { ...good, extension: 'x' },
    { ...good, extension: { 'davinci-crd.requestedVersion': 2.2 } },
  ];
  for (const [i, b] of bodies.entries())
    it(`fixed case ${i} is a 400 with an OperationOutcome`, async () => {
      const res = await handleHook('medpolicy-order-sign', b, deps());
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal((res.body as J).resourceType, 'OperationOutcome');
      assert.ok((res.body as J).issue[0].diagnostics.length > 0);
    });

  it('an unknown service id is a 404', async () => {
    assert.equal((await handleHook('nope', good, deps())).status, 404);
  });

  it('random mutations of a valid call answer 200 or 400', async () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const junk = [
      null,
      0,
      -1,
      1e308,
      '',
      'x',
      true,
      [],
      {},
      [null],
      { resourceType: 'Bundle' },
      { reference: 'Coverage/1' },
    ];
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      paths.push(p);
      if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
    };
    walk(good, []);
    for (let i = 0; i < 300; i++) {
      const body = structuredClone(good) as J;
      for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
        const p = paths[Math.floor(rand() * paths.length)]!;
        if (p.length === 0) continue;
        let cur: J = body;
        for (const k of p.slice(0, -1)) cur = cur?.[k];
        if (cur && typeof cur === 'object') {
          if (rand() < 0.3) delete cur[p[p.length - 1]!];
          else cur[p[p.length - 1]!] = structuredClone(junk[Math.floor(rand() * junk.length)]);
        }
      }
      const res = await handleHook('medpolicy-order-sign', body, deps());
      if (res.status !== 200 && res.status !== 400)
        assert.fail(
          `status ${res.status} for ${JSON.stringify(body).slice(0, 300)}: ${JSON.stringify(res.body)}`,
        );
    }
  });
});

describe('encounter hooks', () => {
  for (const [id, hook] of [
    ['medpolicy-encounter-start', 'encounter-start'],
    ['medpolicy-encounter-discharge', 'encounter-discharge'],
  ] as const)
    it(`${hook}: 200 with no cards and no EHR reads; a missing encounterId is a 400`, async () => {
      let reads = 0;
      const d = deps({
        fetchFhir: async () => {
          reads++;
          return { ok: false, message: 'x' };
        },
      });
      const call = {
        hook,
        hookInstance: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924',
        context: { userId: 'Practitioner/1', patientId: 'p', encounterId: 'e' },
      };
      assert.deepEqual(await handleHook(id, call, d), { status: 200, body: { cards: [] } });
      assert.equal(reads, 0);
      assert.equal(
        (
          await handleHook(
            id,
            { ...call, context: { userId: 'Practitioner/1', patientId: 'p' } },
            d,
          )
        ).status,
        400,
      );
    });

  it('order-select decides only the selected orders', async () => {
    const o: OrderOptions = { payerName: 'BCBSMA' };
    const call = orderSignCall(o) as J;
    call['hook'] = 'order-select';
    call['context']['draftOrders']['entry'].push({
      resource: medicationRequest({ ...o, drug: 'lidocaine' }, 'mr-2'),
    });
    call['context']['selections'] = ['MedicationRequest/mr-2'];
    const body = (await handleHook('medpolicy-order-select', call, deps())).body as J;
    assert.deepEqual(
      body.systemActions.map((a: J) => a.resource.id),
      ['mr-2'],
    );
    assert.equal(covInfo(body.systemActions[0].resource)['doc-needed'], undefined);
  });
});

describe('a failed EHR read: systemAction and cards agree (issue 16, finding 7)', () => {
  const instructions = (body: J) =>
    (body['cards'] as J[]).filter((c) => !c['links'] && /policy/.test(String(c['summary'])));

  it('order-select without the Encounter: a failed Encounter read does not make a decided order indeterminate', async () => {
    // BCBSMA #291 does not speak to depression (the member's benefit plan governs): that answer
    // needs no setting, so the unreadable Encounter changes nothing.
    for (const requestedVersion of ['2.0', '2.2']) {
      const call = orderSignCall({
        payerName: 'BCBSMA',
        diagnosis: 'F33.2',
        requestedVersion,
      }) as J;
      call['hook'] = 'order-select';
      call['context']['selections'] = ['MedicationRequest/mr-1'];
      delete call['prefetch']['encounter'];
      const body = (
        await handleHook(
          'medpolicy-order-select',
          call,
          deps({ fhirServerAllowed: () => true }), // the read is tried, and fails
        )
      ).body as J;
      const info = covInfo(body['systemActions'][0].resource);
      assert.deepEqual(info['covered'], ['conditional'], requestedVersion);
      assert.doesNotMatch(JSON.stringify(info['reason']), /Encounter/);
      assert.doesNotMatch(body['systemActions'][0].description, /indeterminate/);
      // The card says the same thing: not decided by the policy.
      assert.equal(instructions(body).length, 1);
      assert.match(instructions(body)[0]!['summary'], /not decided by a medical policy/);
    }
  });

  it('an unreadable reason Condition makes the order indeterminate, and no card decides it', async () => {
    const order = medicationRequest({ payerName: 'BCBSMA' });
    delete order['reasonCode'];
    order['reasonReference'] = [{ reference: 'Condition/c-1' }];
    const call = orderSignCall({ payerName: 'BCBSMA', requestedVersion: '2.2' }, order);
    const body = (
      await handleHook('medpolicy-order-sign', call, deps({ fhirServerAllowed: () => true }))
    ).body as J;
    const info = covInfo(body['systemActions'][0].resource);
    assert.deepEqual(info['covered'], ['indeterminate']);
    assert.match(JSON.stringify(info['reason']), /Condition could not be read from the EHR/);
    assert.deepEqual(instructions(body), []);
    assert.equal(body['cards'].length, 1);
    assert.match(body['cards'][0].summary, /could not be assessed/);
    assert.match(body['cards'][0].detail, /Condition could not be read from the EHR/);
  });
});

describe('limits', () => {
  it('with no fhirServer allowlist given, no fhirServer is read (nor sent the token)', async () => {
    let reads = 0;
    const d = deps({
      fetchFhir: async () => {
        reads++;
        return { ok: false, message: 'x' };
      },
    });
    const call = orderSignCall({
      payerName: 'BCBSMA',
      withoutCoveragePrefetch: true,
      fhirServer: 'http://169.254.169.254/fhir',
    });
    const res = await handleHook('medpolicy-order-sign', call, d);
    assert.equal(res.status, 200);
    assert.equal(reads, 0);
    assert.match((res.body as J).cards[0].detail, /not one this service reads from/);
  });

  it('the fhirServer allowlist matches the canonical base and paths under it, nothing that escapes it', () => {
    const allowed = fhirServerMatcher(['https://ehr.example/fhir']);
    for (const u of ['https://ehr.example/fhir', 'https://ehr.example/fhir/tenant-1'])
      assert.equal(allowed(u), true, u);
    for (const u of [
      'https://ehr.example/fhir2',
      'https://ehr.example/fhir/../admin',
      'https://ehr.example/fhir/%2e%2e/admin',
      'https://ehr.example/fhir/..\\admin',
      'https://ehr.example.evil.test/fhir',
      'https://ehr.example@evil.test/fhir',
      'https://user:pw@ehr.example/fhir',
      'http://ehr.example/fhir',
      'https://ehr.example/fhir?x=1',
      'file:///etc/passwd',
    ])
      assert.equal(allowed(u), false, u);
    assert.equal(fhirServerMatcher([])('https://ehr.example/fhir'), false);
    assert.throws(() => fhirServerMatcher(['not a url']), /not an http\(s\) base URL/);
  });

  it('a fhirServer outside the allowlist is not read (nor sent the token): answered, not fetched', async () => {
    let reads = 0;
    const d = deps({
      fetchFhir: async () => {
        reads++;
        return { ok: false, message: 'x' };
      },
      fhirServerAllowed: (u) => u.startsWith('https://ehr.trusted.example/'),
    });
    const call = orderSignCall({
      payerName: 'BCBSMA',
      withoutCoveragePrefetch: true,
      fhirServer: 'http://169.254.169.254/fhir',
    });
    const res = await handleHook('medpolicy-order-sign', call, d);
    assert.equal(res.status, 200);
    assert.equal(reads, 0);
    assert.match((res.body as J).cards[0].detail, /not one this service reads from/);
  });

  it('more than 100 draft orders is a 400', async () => {
    const call = orderSignCall({ payerName: 'BCBSMA' }) as J;
    const entry = call['context']['draftOrders']['entry'][0];
    call['context']['draftOrders']['entry'] = Array.from({ length: 101 }, (_, i) => ({
      ...entry,
      resource: { ...entry.resource, id: `mr-${i}` },
    }));
    assert.equal((await handleHook('medpolicy-order-sign', call, deps())).status, 400);
  });
});
