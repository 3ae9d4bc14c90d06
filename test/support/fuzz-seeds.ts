// Valid requests for every route of the service: what the fuzzer mutates. Each seed is a function
// of the request's generator (which case, which payer) and of what the run has recorded so far
// (ids to read back), so the same index always yields the same seed.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/package-root.js';
import { loadScenarioCases } from '../../src/policies/scenario-cases.js';
import {
  coverage,
  medicationRequest,
  orderSignCall,
  pasBundle,
  type OrderOptions,
} from './crd-orders.js';
import { uuidFrom, type Rng } from './fuzz-prng.js';
import type { RouteId } from './fuzz-routes.js';

export interface SeedRequest {
  route: RouteId;
  method: string;
  /** The path as the route is written (no query); mutations may respell it. */
  path: string;
  /** Decoded query parameters, in order. */
  query: [string, string][];
  /** A JSON value; mutations may turn it into any text or bytes. */
  body?: unknown;
  contentType?: string;
  /** For a CDS hook call: the service id, which the client's JWT names in its audience. */
  cdsService?: string;
  /** False when the seed is not a request the service must accept (an id nothing recorded). */
  valid?: boolean;
}

/** Ids the run has seen answered, to read them back; filled before the first request. */
export interface RecordedIds {
  determinations: string[];
  claimResponses: string[];
}

type SeedFn = (r: Rng, ids: RecordedIds) => SeedRequest;

const PAYER_NAMES = [
  'Blue Cross Blue Shield of Massachusetts',
  'Blue Cross and Blue Shield of Alabama',
  'Blue Cross Blue Shield of Michigan',
  'Medica',
  'Blue Care Network',
  'Acme Health Plan',
];

// The IG's own examples, read in place like test/crd-fixtures.test.ts does; absent in a bare
// checkout, where the builders below still cover every hook.
const IG_FIXTURES = resolve(packageRoot(), '..', 'shared', 'fixtures', 'crd');
const IG_CALLS = [
  ['crd-ig_order-sign_servicerequest_with-prefetch.json', 'medpolicy-order-sign'],
  ['crd-ig_appointment-book_with-requestedVersion.json', 'medpolicy-appointment-book'],
  ['crd-ig_order-dispatch_hook-v1.1-context.json', 'medpolicy-order-dispatch'],
] as const;

function igCalls(): { body: unknown; service: string }[] {
  if (!existsSync(IG_FIXTURES)) return [];
  return IG_CALLS.map(([file, service]) => ({
    body: JSON.parse(readFileSync(join(IG_FIXTURES, file), 'utf8')) as unknown,
    service,
  }));
}

function orderOptions(r: Rng): OrderOptions {
  return {
    payerName: r.pick(PAYER_NAMES),
    drug: r.pick(['ketamine', 'lidocaine'] as const),
    diagnosis: r.pick(['G90.521', 'G90.511', 'M79.7', 'F32.2', 'G89.4']),
    ...(r.chance(0.3) ? { encounterClass: r.pick(['IMP', 'EMER', 'HH']) } : {}),
  };
}

function hookCall(r: Rng): { body: Record<string, unknown>; service: string } {
  const o = orderOptions(r);
  const call = orderSignCall(o);
  call['hookInstance'] = uuidFrom(r);
  const hook = r.pick(['order-sign', 'order-sign', 'order-select', 'encounter-start'] as const);
  if (hook === 'order-select') {
    call['hook'] = 'order-select';
    (call['context'] as Record<string, unknown>)['selections'] = ['MedicationRequest/mr-1'];
  }
  if (hook === 'encounter-start') {
    return {
      body: {
        hook,
        hookInstance: call['hookInstance'],
        context: { userId: 'Practitioner/pr-1', patientId: 'pat-1', encounterId: 'enc-1' },
      },
      service: 'medpolicy-encounter-start',
    };
  }
  return { body: call, service: `medpolicy-${hook}` };
}

/** Every route with its share of the requests and its seed builder. */
export function seedFunctions(
  policyIds: readonly string[],
  webBuilt: boolean,
): { route: RouteId; weight: number; make: SeedFn }[] {
  const cases = loadScenarioCases().map((c) => c.request);
  const ig = igCalls();
  const get = (route: RouteId, path: string, query: [string, string][] = []): SeedRequest => ({
    route,
    method: 'GET',
    path,
    query,
  });
  return [
    {
      route: 'determine',
      weight: 20,
      make: (r) => ({
        route: 'determine',
        method: 'POST',
        path: '/v1/determinations',
        query: r.chance(0.1) ? [['explain', 'full']] : [],
        body: r.pick(cases),
        contentType: 'application/json',
      }),
    },
    {
      route: 'compare',
      weight: 8,
      make: (r) => {
        const { payer: _payer, ...request } = r.pick(cases);
        return {
          route: 'compare',
          method: 'POST',
          path: '/v1/compare',
          query: [],
          body: request,
          contentType: 'application/json',
        };
      },
    },
    {
      route: 'list',
      weight: 10,
      make: (r) => {
        const q: [string, string][] = [];
        if (r.chance(0.5)) q.push(['payer', r.pick(['bcbsma', 'bcbsal', 'medica', 'bcbsm'])]);
        if (r.chance(0.3)) q.push(['outcome', r.pick(['covered', 'not-covered', 'needs-info'])]);
        if (r.chance(0.3)) q.push(['from', r.pick(['2025-01-01', '2024-06-30T00:00:00Z'])]);
        if (r.chance(0.3)) q.push(['to', r.pick(['2030-12-31', '2031-01-01T00:00:00+02:00'])]);
        if (r.chance(0.2)) q.push(['policy', 'bcbsma-291']);
        if (r.chance(0.4)) q.push(['limit', String(1 + r.int(200))]);
        if (r.chance(0.1)) q.push(['cursor', String(r.int(1_000_000))]);
        return get('list', '/v1/determinations', q);
      },
    },
    {
      route: 'get',
      weight: 6,
      make: (r, ids) =>
        ids.determinations.length > 0
          ? get('get', `/v1/determinations/${r.pick(ids.determinations)}`)
          : { ...get('get', `/v1/determinations/${uuidFrom(r)}`), valid: false },
    },
    { route: 'policies', weight: 2, make: () => get('policies', '/v1/policies') },
    {
      route: 'policy',
      weight: 2,
      make: (r) => get('policy', `/v1/policies/${r.pick(policyIds)}`),
    },
    {
      route: 'policy-source',
      weight: 1,
      make: (r) => get('policy-source', `/v1/policies/${r.pick(policyIds)}/source`),
    },
    {
      route: 'code',
      weight: 3,
      make: (r) => {
        const [system, code] = r.pick([
          ['icd10cm', 'G90.521'],
          ['icd10cm', 'g90521'],
          ['hcpcs', 'J3490'],
          ['cpt', '96365'],
        ] as const);
        return get(
          'code',
          `/v1/codes/${system}/${code}`,
          r.chance(0.5) ? [['date', '2025-09-15']] : [],
        );
      },
    },
    {
      route: 'code-search',
      weight: 2,
      make: (r) =>
        get('code-search', `/v1/codes/${r.pick(['icd10cm', 'hcpcs'])}`, [
          ['q', r.pick(['complex regional', 'G90.5', 'J20', 'depress'])],
          ...(r.chance(0.5) ? [['limit', '5'] as [string, string]] : []),
        ]),
    },
    { route: 'cds-discovery', weight: 2, make: () => get('cds-discovery', '/cds-services') },
    {
      route: 'cds-hook',
      weight: 14,
      make: (r) => {
        const c = ig.length > 0 && r.chance(0.25) ? r.pick(ig) : hookCall(r);
        return {
          route: 'cds-hook',
          method: 'POST',
          path: `/cds-services/${c.service}`,
          query: [],
          body: c.body,
          contentType: 'application/json',
          cdsService: c.service,
        };
      },
    },
    {
      route: 'pas-submit',
      weight: 12,
      make: (r) => {
        const o = orderOptions(r);
        return {
          route: 'pas-submit',
          method: 'POST',
          path: '/fhir/Claim/$submit',
          query: [],
          body: pasBundle(o, medicationRequest(o), `fuzz-${uuidFrom(r)}`),
          contentType: 'application/fhir+json',
        };
      },
    },
    {
      route: 'pas-read',
      weight: 4,
      make: (r, ids) =>
        ids.claimResponses.length > 0
          ? get('pas-read', `/fhir/ClaimResponse/${r.pick(ids.claimResponses)}`)
          : { ...get('pas-read', `/fhir/ClaimResponse/${uuidFrom(r)}`), valid: false },
    },
    {
      route: 'dtr-package',
      weight: 6,
      make: (r) => {
        const o = orderOptions(r);
        return {
          route: 'dtr-package',
          method: 'POST',
          path: '/fhir/Questionnaire/$questionnaire-package',
          query: [],
          body: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'coverage', resource: coverage(o) },
              { name: 'order', resource: medicationRequest(o) },
            ],
          },
          contentType: 'application/fhir+json',
        };
      },
    },
    {
      route: 'dtr-next',
      weight: 4,
      // A session the run never opened: the service must refuse it (400) in every spelling.
      make: (r) => ({
        route: 'dtr-next',
        method: 'POST',
        path: '/fhir/Questionnaire/$next-question',
        query: [],
        body: {
          resourceType: 'Parameters',
          parameter: [{ name: 'questionnaire-response', resource: answeredResponse(uuidFrom(r)) }],
        },
        contentType: 'application/fhir+json',
        valid: false,
      }),
    },
    { route: 'healthz', weight: 1, make: () => get('healthz', '/healthz') },
    { route: 'openapi', weight: 1, make: () => get('openapi', '/openapi.json') },
    { route: 'docs', weight: 1, make: () => get('docs', '/docs/') },
    // Only when the UI is built: without it, GET / answers 503 "run npm run build" by design.
    ...(webBuilt ? [{ route: 'web' as const, weight: 1, make: () => get('web', '/') }] : []),
  ];
}

/** An answered adaptive QuestionnaireResponse as a DTR client sends it back (BCN65's question). */
function answeredResponse(session: string): Record<string, unknown> {
  const yes = { system: 'http://terminology.hl7.org/CodeSystem/v2-0136', code: 'Y' };
  return {
    resourceType: 'QuestionnaireResponse',
    contained: [
      {
        resourceType: 'Questionnaire',
        id: 'q',
        status: 'active',
        item: [{ linkId: 'primary-medicare-covered', type: 'choice', required: true }],
      },
    ],
    identifier: { system: 'http://127.0.0.1:8080/fhir/dtr-session', value: session },
    questionnaire: '#q',
    status: 'in-progress',
    subject: { reference: 'Patient/pat-1' },
    item: [
      {
        linkId: 'primary-medicare-covered',
        answer: [
          {
            valueCoding: yes,
            extension: [
              {
                url: 'http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/information-origin',
                extension: [{ url: 'source', valueCode: 'auto-client' }],
              },
            ],
          },
        ],
      },
    ],
  };
}
