// The acceptance check: an EHR-style order-sign call for IV ketamine for CRPS under each
// payer returns the right coverage information, and PAS returns the matching decision.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COVERAGE_INFORMATION_URL } from '../src/adapters/cdshooks/coverage-information.js';
import { handleHook } from '../src/adapters/cdshooks/handle-hook.js';
import {
  REVIEW_ACTION_URL,
  submitPasBundle,
  type PasRecordStore,
} from '../src/adapters/pas/submit-claim.js';
import { loadContext } from '../src/service/load-context.js';
import { orderSignCall, pasBundle } from './support/crd-orders.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ctx = loadContext({});
let n = 0;
const common = {
  ctx,
  now: () => new Date('2025-09-10T15:00:00Z'),
  newId: () => `id-${++n}`,
  policyUrl: (id: string) => `https://medpolicy.example/p/${id}`,
};
const store: PasRecordStore = {
  saveClaimResponse: async () => {},
  getClaimResponse: async () => undefined,
};

// Expected per the scenario cases (commercial HMO member, outpatient): every payer's policy
// calls IV ketamine for CRPS investigational / not medically necessary / not covered.
const PAYERS: [string, string][] = [
  ['bcbsri', 'Blue Cross & Blue Shield of Rhode Island'],
  ['bcbsma', 'Blue Cross Blue Shield of Massachusetts'],
  ['bcbsal', 'Blue Cross and Blue Shield of Alabama'],
  ['bcbsm', 'Blue Cross Blue Shield of Michigan'],
  ['bcn', 'Blue Care Network of Michigan'],
  ['medica', 'Medica'],
];
const HMO = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HMO' };

describe('IV ketamine for CRPS: CRD and PAS agree for every payer', () => {
  for (const [payer, name] of PAYERS)
    it(`${payer}: order-sign says not-covered with the policy sentence; PAS says A3`, async () => {
      const o = { payerName: name, coverageType: HMO };
      const crd = (await handleHook('medpolicy-order-sign', orderSignCall(o), common)).body as J;
      const action = crd.systemActions[0];
      const ext = (action.resource.extension as J[]).find(
        (e) => e['url'] === COVERAGE_INFORMATION_URL,
      )!;
      const covered = (ext['extension'] as J[]).find((e) => e['url'] === 'covered')!['valueCode'];
      assert.equal(covered, 'not-covered');
      assert.equal(crd.cards.length, 2);
      assert.equal(crd.cards[0].source.label, name);
      assert.match(
        crd.cards[0].detail,
        /> .*(investigational|not medically necessary|not covered)/i,
      );

      // The same order, annotated by CRD, submitted for prior authorization.
      const annotated = action.resource;
      const assertionId = (ext['extension'] as J[]).find(
        (e) => e['url'] === 'coverage-assertion-id',
      )!['valueString'];
      const bundle = pasBundle(o, annotated, `t-${payer}`);
      let saved: J | undefined;
      const res = await submitPasBundle(bundle, {
        ...common,
        store: { ...store, saveClaimResponse: async (r) => void (saved = r as unknown as J) },
      });
      assert.equal(res.status, 200);
      const cr = (res.body as J).entry[0].resource;
      const ra = cr.item[0].adjudication[0].extension.find((e: J) => e.url === REVIEW_ACTION_URL);
      assert.equal(ra.extension[0].valueCodeableConcept.coding[0].code, 'A3');
      assert.equal(saved!['items'][0].coverageAssertionId, assertionId);
      assert.equal(saved!['payer'], payer);
    });
});
