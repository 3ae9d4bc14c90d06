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
import {
  assertionFromDetermination,
  buildCoverageInformation,
} from '../src/adapters/cdshooks/coverage-information.js';
import {
  completedResponse,
  completionAssertion,
  determinationText,
  type ReadAnswer,
} from '../src/adapters/dtr/questionnaire-response.js';
import type { AnswerCode } from '../src/adapters/dtr/questionnaire.js';
import type { QuestionV1 } from '../src/model/determination.js';
import { decideRequest } from '../src/service/decide-request.js';
import { loadContext } from '../src/service/load-context.js';
import { orderSignCall, pasBundle, withQuestionnaireResponse } from './support/crd-orders.js';
import { formOf, manualOrigin, policyOf, PUBLIC_URL } from './support/dtr-fixtures.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ctx = loadContext({});
let n = 0;
const common = {
  ctx,
  now: () => new Date('2025-09-10T15:00:00Z'),
  newId: () => `id-${++n}`,
  policyUrl: (id: string) => `https://medpolicy.example/p/${id}`,
  publicUrl: PUBLIC_URL,
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

/** The coverage-information sub-extensions of a resource CRD annotated, by url. */
function crdInfo(resource: J): Record<string, unknown[]> {
  const ext = (resource['extension'] as J[]).find((e) => e['url'] === COVERAGE_INFORMATION_URL)!;
  const out: Record<string, unknown[]> = {};
  for (const e of ext['extension'] as J[]) {
    const k = Object.keys(e).find((x) => x.startsWith('value'));
    (out[e['url']] ??= []).push(k ? e[k] : e);
  }
  return out;
}

// The loop: CRD says conditional and names the questionnaire; DTR's completed
// QuestionnaireResponse (as src/adapters/dtr builds it) goes into the PAS Claim; PAS decides on
// its answers. The fact-decided answer is the same in CRD terms and in PAS terms.
const LOOPS: {
  name: string;
  member: { payerName: string; planName: string };
  policy: string;
  request: Record<string, unknown>;
  fact: string;
  line: number;
}[] = [
  {
    name: 'BCN65 (seed 003 line 676)',
    member: { payerName: 'Blue Care Network', planName: 'BCN65 Medicare Complementary' },
    policy: 'bcbsm-bcn-iv-anesthetics',
    request: { payer: 'bcn', lineOfBusiness: 'medicare-supplement' },
    fact: 'primary-medicare-covered',
    line: 676,
  },
  {
    name: 'BCBSAL FEP (seed 002 line 95)',
    member: {
      payerName: 'Blue Cross and Blue Shield of Alabama',
      planName: 'Federal Employee Program',
    },
    policy: 'bcbsal-mp-446',
    request: { payer: 'bcbsal', lineOfBusiness: 'fep' },
    fact: 'fep-benefit-plan-covers',
    line: 95,
  },
];
const EXPECTED: Record<AnswerCode, { covered: string; action: string }> = {
  Y: { covered: 'covered', action: 'A1' },
  N: { covered: 'not-covered', action: 'A3' },
  ASKU: { covered: 'conditional', action: 'A4' },
};

describe('a fact-decided answer: CRD and PAS agree', () => {
  for (const loop of LOOPS)
    for (const code of ['Y', 'N', 'ASKU'] as AnswerCode[])
      it(`${loop.name}, answered ${code}: coverage-information says ${EXPECTED[code].covered}, PAS says ${EXPECTED[code].action}`, async () => {
        const crd = (await handleHook('medpolicy-order-sign', orderSignCall(loop.member), common))
          .body as J;
        const order = crd.systemActions[0].resource as J;
        const info = crdInfo(order);
        assert.deepEqual(info['covered'], ['conditional']);
        const form = formOf(ctx, loop.policy);
        const canonical = String(info['questionnaire']![0]);
        assert.match(canonical, new RegExp(`/fhir/Questionnaire/${loop.policy}\\|`));
        const assertionId = String(info['coverage-assertion-id']![0]);

        // DTR: the question CRD's determination asks, answered, and the completed QR.
        const base = {
          drug: 'ketamine',
          route: 'intravenous',
          dateOfService: '2025-09-15',
          diagnosisCodes: ['G90.521'],
          ...loop.request,
        };
        const open = decideRequest(base, ctx);
        assert.ok(open.ok);
        const question = open.determination.questions!.find(
          (q) => q.fact === loop.fact,
        ) as QuestionV1;
        assert.equal(question.reason.citation!.line, loop.line);
        const facts = code === 'ASKU' ? {} : { [loop.fact]: code === 'Y' };
        const decided = decideRequest({ ...base, facts }, ctx);
        assert.ok(decided.ok);
        const answers: ReadAnswer[] = [{ linkId: loop.fact, code, origin: manualOrigin() }];
        const text = determinationText(decided.determination, 'Payer', [question], answers);
        const inputs = {
          coverageReference: 'Coverage/cov-1',
          payerLabel: 'Payer',
          date: '2025-09-15',
          assertionId,
          requestHasSetting: true,
          requestHasProviderParticipating: true,
          bases: ctx.terminology.bases,
        };
        const qr = completedResponse(
          { ...form, policy: policyOf(ctx, loop.policy) },
          {
            sessionId: `session-${code}`,
            coverageReference: 'Coverage/cov-1',
            orderReference: `MedicationRequest/${String(order['id'])}`,
            patientReference: 'Patient/pat-1',
            intendedUse: 'withclaim',
          },
          [question],
          answers,
          {
            text,
            assertion: completionAssertion(decided.determination, inputs, text),
            crdVersion: '2.0',
          },
        );

        // PAS: the annotated order with the QR as additional information.
        const bundle = withQuestionnaireResponse(
          pasBundle(loop.member, order, `t-${loop.fact}-${code}`),
          qr,
        ) as J;
        let saved: J | undefined;
        const res = await submitPasBundle(bundle, {
          ...common,
          store: { ...store, saveClaimResponse: async (r) => void (saved = r as unknown as J) },
        });
        assert.equal(res.status, 200);
        const cr = (res.body as J).entry[0].resource;
        const ra = cr.item[0].adjudication[0].extension.find((e: J) => e.url === REVIEW_ACTION_URL);
        assert.equal(ra.extension[0].valueCodeableConcept.coding[0].code, EXPECTED[code].action);
        const item = saved!['items'][0];
        assert.equal(item.coverageAssertionId, assertionId);
        assert.deepEqual(item.questionnaireResponses, [`session-${code}`]);
        // PAS decided what the engine decides on the same facts, and CRD maps that decision to
        // the coverage the review action means.
        assert.equal(item.determination.outcome, decided.determination.outcome);
        const again = buildCoverageInformation(
          assertionFromDetermination(item.determination, inputs),
          '2.0',
        ) as J;
        const covered = (again['extension'] as J[]).find((e) => e['url'] === 'covered')!;
        assert.equal(covered['valueCode'], EXPECTED[code].covered);
        // The QR's own coverage-information (DTR's completion) says the same.
        const qrInfo = crdInfo(qr as unknown as J);
        assert.deepEqual(qrInfo['covered'], [EXPECTED[code].covered]);
        assert.deepEqual(qrInfo['coverage-assertion-id'], [assertionId]);
        // A pended item names the questionnaire CRD named.
        if (code === 'ASKU') assert.ok(cr.processNote[0].text.includes(canonical));
      });
});
