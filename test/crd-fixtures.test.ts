// Contract tests on the Da Vinci CRD implementation guide's own example payloads
// (../shared/fixtures/crd, read in place, never copied).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { discoveryDocument } from '../src/adapters/cdshooks/discovery.js';
import {
  checkCoverageInformation,
  COVERAGE_INFORMATION_URL,
} from '../src/adapters/cdshooks/coverage-information.js';
import { handleHook, type HookDeps } from '../src/adapters/cdshooks/handle-hook.js';
import { fhirServerMatcher } from '../src/adapters/cdshooks/fhir-server-allowlist.js';
import { httpFhirFetch } from '../src/adapters/cdshooks/prefetch.js';
import { SERVICES } from '../src/adapters/cdshooks/services.js';
import { packageRoot } from '../src/package-root.js';
import { loadContext } from '../src/service/load-context.js';
import { coverage, medicationRequest } from './support/crd-orders.js';
import { startFhirTestServer, type FhirTestServer } from './support/fhir-test-server.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const FIXTURES = resolve(packageRoot(), '..', 'shared', 'fixtures', 'crd');
const skip = existsSync(FIXTURES) ? false : `CRD fixtures not found at ${FIXTURES}`;
const fixture = (name: string): J => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as J;

const ctx = skip ? undefined : loadContext({});
function deps(extra: Partial<HookDeps> = {}): HookDeps {
  let n = 0;
  return {
    ctx: ctx!,
    now: () => new Date('2025-09-10T15:00:00Z'),
    newId: () => `fixture-${++n}`,
    policyUrl: (id) => `https://medpolicy.example/v1/policies/${id}`,
    fetchFhir: httpFhirFetch({ timeoutMs: 1000 }),
    ...extra,
  };
}

function coverageInfos(body: J): J[] {
  return (body.systemActions ?? []).map((a: J) =>
    (a.resource.extension as J[]).find((e) => e['url'] === COVERAGE_INFORMATION_URL),
  );
}

describe('CRD implementation guide examples', { skip }, () => {
  it('discovery: every IG hook is offered, with the IG’s prefetch templates and CRD extensions', () => {
    const ig = fixture('crd-ig_discovery-response_cds-services.json');
    const ours = discoveryDocument();
    assert.ok(Array.isArray(ours.services));
    for (const igService of ig['services'] as J[]) {
      const s = ours.services.find((x) => x.hook === igService['hook']);
      assert.ok(s, `no service for ${igService['hook']}`);
      // Same key → same standard template as the guide.
      for (const [key, template] of Object.entries(s.prefetch))
        assert.equal(template, igService['prefetch'][key], `${s.hook} prefetch ${key}`);
    }
    for (const s of ours.services) {
      assert.equal(typeof s.hook, 'string');
      assert.equal(typeof s.id, 'string');
      assert.equal(typeof s.description, 'string');
      for (const v of s.extension['davinci-crd.version']) assert.match(v, /^\d+\.\d+$/);
      const codes = (s.extension['davinci-crd.configuration-options'] as J[]).map((o) => o['code']);
      assert.equal(new Set(codes).size, codes.length);
      for (const o of s.extension['davinci-crd.configuration-options'] as J[]) {
        assert.ok(['boolean', 'integer'].includes(o['type']));
        assert.equal(typeof o['default'], o['type'] === 'boolean' ? 'boolean' : 'number');
      }
    }
    assert.equal(new Set(SERVICES.map((s) => s.id)).size, SERVICES.length);
  });

  it('the IG’s own coverage-information example passes this server’s 2.2 invariant checks', () => {
    const ex = fixture('crd-ig_hook-response_cards-and-coverage-info-systemAction.json');
    for (const info of coverageInfos(ex))
      assert.deepEqual(checkCoverageInformation(info, '2.2'), []);
  });

  it('order-sign with full prefetch (Acme payer, two ServiceRequests, version 2.2, max-cards 5): 200, one valid update per order', async () => {
    const call = fixture('crd-ig_order-sign_servicerequest_with-prefetch.json');
    const res = await handleHook(
      'medpolicy-order-sign',
      call,
      deps({ fetchFhir: async () => ({ ok: false, message: 'offline' }) }),
    );
    assert.equal(res.status, 200);
    const body = res.body as J;
    assert.ok(body.cards.length <= 5);
    assert.deepEqual(
      body.systemActions.map((a: J) => a.resource.id),
      ['1357', '2468'],
    );
    const drafts = call['context']['draftOrders']['entry'].map((e: J) => e.resource);
    for (const [i, a] of (body.systemActions as J[]).entries()) {
      assert.equal(a['type'], 'update');
      const { extension, ...rest } = a['resource'];
      assert.deepEqual(rest, drafts[i]);
      const info = (extension as J[]).find((e) => e['url'] === COVERAGE_INFORMATION_URL)!;
      assert.deepEqual(checkCoverageInformation(info, '2.2'), []);
      const covered = (info['extension'] as J[]).find((e) => e['url'] === 'covered')!['valueCode'];
      assert.equal(covered, 'indeterminate'); // Acme Health Plan is not a payer served here
    }
    const ids = coverageInfos(body).map(
      (i) =>
        (i['extension'] as J[]).find((e) => e['url'] === 'coverage-assertion-id')!['valueString'],
    );
    assert.equal(new Set(ids).size, 2);
  });

  describe('calls that need the EHR’s FHIR server', () => {
    let ehr: FhirTestServer;
    const token = 'some-opaque-fhir-access-token';
    const bcbsma = { payerName: 'Blue Cross Blue Shield of Massachusetts' };
    before(async () => {
      ehr = await startFhirTestServer(
        [
          { ...coverage(bcbsma, 'cov-123'), beneficiary: { reference: 'Patient/123' } },
          {
            resourceType: 'Encounter',
            id: '987',
            status: 'planned',
            class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          },
          { ...medicationRequest(bcbsma, '1111'), status: 'active' },
          {
            ...medicationRequest({ ...bcbsma, drug: 'lidocaine', diagnosis: 'M79.7' }, '2222'),
            status: 'active',
          },
        ],
        { token },
      );
    });
    after(() => ehr.close());
    const ehrDeps = () => deps({ fhirServerAllowed: fhirServerMatcher([ehr.base]) });

    it('order-dispatch in the hook 1.1 context: dispatched orders are read with the token; coverage-info:false is honoured', async () => {
      const call = {
        ...fixture('crd-ig_order-dispatch_hook-v1.1-context.json'),
        fhirServer: ehr.base,
      };
      const res = await handleHook('medpolicy-order-dispatch', call, ehrDeps());
      assert.equal(res.status, 200);
      const reads = ehr.requests.filter((r) => r.path.includes('MedicationRequest'));
      assert.equal(reads.length, 1);
      assert.match(reads[0]!.path, /_id=1111,2222/);
      assert.equal(reads[0]!.authorization, `Bearer ${token}`);
      assert.equal((res.body as J).systemActions, undefined); // the call configures coverage-info off
    });

    it('order-dispatch in the hook 1.1 context with coverage-info on: one update per dispatched order', async () => {
      const call: J = {
        ...fixture('crd-ig_order-dispatch_hook-v1.1-context.json'),
        fhirServer: ehr.base,
      };
      call['extension'] = {};
      const body = (await handleHook('medpolicy-order-dispatch', call, ehrDeps())).body as J;
      assert.deepEqual(
        body.systemActions.map((a: J) => a.resource.id),
        ['1111', '2222'],
      );
      for (const info of coverageInfos(body))
        assert.deepEqual(checkCoverageInformation(info, '2.0'), []);
    });

    it('appointment-book with requestedVersion 2.2 and no prefetch: Coverage and Encounter are read; the Appointment is annotated', async () => {
      const call = {
        ...fixture('crd-ig_appointment-book_with-requestedVersion.json'),
        fhirServer: ehr.base,
      };
      const before = ehr.requests.length;
      const res = await handleHook('medpolicy-appointment-book', call, ehrDeps());
      assert.equal(res.status, 200);
      const paths = ehr.requests.slice(before).map((r) => r.path);
      assert.ok(paths.some((p) => p.startsWith('/fhir/Coverage?patient=123')));
      assert.ok(paths.includes('/fhir/Encounter/987'));
      const body = res.body as J;
      assert.equal(body.systemActions[0].resource.resourceType, 'Appointment');
      const info = coverageInfos(body)[0]!;
      assert.deepEqual(checkCoverageInformation(info, '2.2'), []);
      // A liver-pathology appointment: no policy here speaks to it.
      assert.equal(
        (info['extension'] as J[]).find((e) => e['url'] === 'covered')!['valueCode'],
        'conditional',
      );
    });
  });
});
