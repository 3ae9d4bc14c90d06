// Issue #19's acceptance, end to end through HTTP: CRD order-sign answers conditional, DTR's
// $questionnaire-package (with CRD's coverage-assertion-id) and $next-question ask exactly the
// fact the policy sentence turns on, and the answer ends in what the text supports. Every
// resource the service emits on the way is valid R4 and follows the DTR profiles.
// Then PAS: the completed QuestionnaireResponse goes into the Claim bundle, and the review
// action certifies (A1), denies (A3) or pends (A4), quoting the same sentence.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../src/package-root.js';
import { loadContext } from '../src/service/load-context.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import type { AnswerCode } from '../src/adapters/dtr/questionnaire.js';
import type { OrderOptions } from './support/crd-orders.js';
import {
  answered,
  askedItems,
  completionInfo,
  draftOf,
  NEXT,
  nextCall,
  orderSign,
  PACKAGE,
  packageCall,
  returned,
  type J,
} from './support/dtr-http.js';
import {
  nextQuestionInputProblems,
  nextQuestionOutputProblems,
  packageOutputProblems,
} from './support/dtr-ig-conformance.js';
import { r4Errors } from './support/fhir-r4.js';
import { postJson, testServer } from './support/http-server.js';
import { medicationRequest, pasBundle, withQuestionnaireResponse } from './support/crd-orders.js';
import { claimResponseProblems } from './support/dtr-ig-conformance.js';
import { REVIEW_ACTION_URL } from '../src/adapters/pas/submit-claim.js';

/** PAS review actions (X12 306): certified, not certified, pended. */
const REVIEW_ACTION: Record<AnswerCode, string> = { Y: 'A1', N: 'A3', ASKU: 'A4' };

/** The Questionnaire of the first package Bundle (what CRD's `questionnaire` names). */
function packageQuestionnaire(body: J): J {
  const bundle = (body['parameter'] as J[]).find((p) => p['name'] === 'packagebundle')!;
  return bundle['resource']['entry'][0]['resource'] as J;
}

const ctx = loadContext({});

/** The seed's line, whitespace-normalized as the policy compiler matches quotes. */
function seedLine(file: string, line: number): string {
  const text = readFileSync(join(packageRoot(), 'policies', 'sources', file), 'utf8');
  return text.split('\n')[line - 1]!.replace(/\s+/g, ' ');
}

/** Valid R4 and DTR-conformant, or the test fails naming what is wrong. */
function conformant(body: unknown, problems: string[]): void {
  assert.deepEqual(r4Errors(body), []);
  assert.deepEqual(problems, []);
}

interface Case {
  name: string;
  order: OrderOptions;
  /** How the CRD assertion comes about: order-sign, or recorded as CRD would (see ITS). */
  crd: (
    app: FastifyInstance,
    store: AuditStore,
  ) => Promise<{ assertionId: string; questionnaire?: string }>;
  /** Whether PAS reaches the same rule from the FHIR Claim (not for ITS; see there). */
  pas: boolean;
  fact: string;
  file: string;
  line: number;
  quote: string;
  outcomes: Record<AnswerCode, { covered: string; outcome: string }>;
}

const viaOrderSign = (o: OrderOptions) => async (app: FastifyInstance) => {
  const { info, assertionId } = await orderSign(app, o);
  assert.deepEqual(info['covered'], ['conditional']);
  assert.deepEqual(info['pa-needed'], ['no-auth']);
  // CRD 2.2: conditional names what is needed (crd-ci-q3), the documentation, what it is for
  // (no prior authorization: it supports the claim), and the form that asks it.
  assert.deepEqual(info['info-needed'], ['OTH']);
  assert.deepEqual(info['doc-needed'], ['admin']);
  assert.deepEqual(info['doc-purpose'], ['withclaim']);
  assert.equal(info['questionnaire']?.length, 1);
  return { assertionId, questionnaire: info['questionnaire']![0]! };
};

const BCN65: OrderOptions = {
  payerName: 'Blue Care Network of Michigan',
  planName: 'BCN65',
  requestedVersion: '2.2',
};
const FEP: OrderOptions = {
  payerName: 'Blue Cross and Blue Shield of Alabama',
  planName: 'Federal Employee Program',
  requestedVersion: '2.2',
};
const ITS: OrderOptions = { payerName: 'Blue Cross and Blue Shield of Alabama' };

const CASES: Case[] = [
  {
    name: 'BCN65 (seed 003 line 676)',
    order: BCN65,
    crd: viaOrderSign(BCN65),
    pas: true,
    fact: 'primary-medicare-covered',
    file: 'bcbsm-bcn-iv-anesthetics.txt',
    line: 676,
    quote:
      'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.',
    outcomes: {
      Y: { covered: 'covered', outcome: 'covered' },
      N: { covered: 'not-covered', outcome: 'not-covered' },
      ASKU: { covered: 'conditional', outcome: 'conditional' },
    },
  },
  {
    name: 'BCBSAL FEP (seed 002 line 95)',
    order: FEP,
    crd: viaOrderSign(FEP),
    pas: true,
    fact: 'fep-benefit-plan-covers',
    file: 'bcbsal-mp-446.txt',
    line: 95,
    quote: 'FEP: Special benefit consideration may apply. Refer to member’s benefit plan.',
    outcomes: {
      Y: { covered: 'covered', outcome: 'covered' },
      // "may apply": without a special consideration MP-446 itself decides (investigational).
      N: { covered: 'not-covered', outcome: 'not-covered' },
      ASKU: { covered: 'conditional', outcome: 'conditional' },
    },
  },
  {
    name: 'BCBSAL ITS (seed 002 line 93)',
    order: ITS,
    // CRD and PAS do not map an ITS/BlueCard home plan from FHIR (homePlan is "not mapped",
    // src/adapters/cdshooks/README.md): no standard Coverage element names the home plan. The
    // assertion is recorded as order-sign records one, with the request a REST client sends
    // (`homePlan`); the DTR half is the service's own. PAS cannot reach the rule from a Claim.
    pas: false,
    crd: async (_app, store) => {
      const assertionId = `its-${Math.random().toString(36).slice(2)}`;
      await store.recordCoverageAssertion({
        assertionId,
        madeAt: new Date().toISOString(),
        serviceId: 'medpolicy-order-sign',
        hook: 'order-sign',
        payer: 'bcbsal',
        covered: 'conditional',
        paNeeded: 'no-auth',
        ...{
          crdVersion: '2.2',
          order: 'MedicationRequest/mr-1',
          coverage: 'Coverage/cov-1',
          request: {
            payer: 'bcbsal',
            homePlan: 'bcbsma',
            dateOfService: '2025-09-15',
            drug: 'ketamine',
            route: 'intravenous',
            diagnosisCodes: ['G90.521'],
          },
        },
      });
      return { assertionId };
    },
    fact: 'home-plan-covers',
    file: 'bcbsal-mp-446.txt',
    line: 93,
    quote: 'ITS: Home Policy provisions apply',
    outcomes: {
      Y: { covered: 'covered', outcome: 'covered' },
      N: { covered: 'not-covered', outcome: 'not-covered' },
      ASKU: { covered: 'conditional', outcome: 'conditional' },
    },
  },
];

describe('the DTR loop: CRD → $questionnaire-package → $next-question → the answer the text supports', () => {
  let store: AuditStore;
  let app: FastifyInstance;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await testServer(ctx, store);
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  for (const c of CASES)
    for (const code of ['Y', 'N', 'ASKU'] as const)
      test(`${c.name}: answered ${code}`, async () => {
        assert.ok(
          seedLine(c.file, c.line).includes(c.quote),
          `the quote stands at ${c.file} line ${c.line}`,
        );
        const { assertionId, questionnaire } = await c.crd(app, store);

        const pkgBody = packageCall(c.order, [{ name: 'context', valueString: assertionId }]);
        const pkg = await postJson(app, PACKAGE, pkgBody);
        assert.equal(pkg.statusCode, 200, pkg.body);
        conformant(pkg.json(), packageOutputProblems(pkg.json()));
        const draft = draftOf(pkg.json() as J);
        if (questionnaire !== undefined) {
          const form = packageQuestionnaire(pkg.json() as J);
          assert.equal(questionnaire, `${form['url']}|${form['version']}`, 'CRD names this form');
        }

        assert.deepEqual(nextQuestionInputProblems(nextCall(draft)), []);
        const first = await postJson(app, NEXT, nextCall(draft));
        assert.equal(first.statusCode, 200, first.body);
        conformant(first.json(), nextQuestionOutputProblems(first.json(), '2.2.1'));
        const asked = returned(first.json() as J);
        assert.deepEqual(askedItems(asked), [c.fact], 'it asks exactly the fact, and only it');
        const item = (asked['contained'][0]['item'] as J[])[0]!;
        assert.equal(
          item['item'][0]['text'].replace(/\s+/g, ' '),
          `${c.quote} (policies/sources/${c.file} line ${c.line})`,
        );

        const reply = answered(asked, { [c.fact]: code });
        assert.deepEqual(nextQuestionInputProblems(nextCall(reply)), []);
        const done = await postJson(app, NEXT, nextCall(reply));
        assert.equal(done.statusCode, 200, done.body);
        conformant(done.json(), nextQuestionOutputProblems(done.json(), '2.2.1'));
        const qr = returned(done.json() as J);
        assert.equal(qr['status'], 'completed');
        const info = completionInfo(qr);
        const want = c.outcomes[code];
        assert.deepEqual(info['covered'], [want.covered]);
        assert.deepEqual(info['coverage-assertion-id'], [assertionId], 'replaces CRD’s assertion');
        const said = (qr['item'] as J[]).find((i) => i['linkId'] === 'determination')!;
        assert.ok(
          String(said['text']).replace(/\s+/g, ' ').includes(`The policy states: “${c.quote}”`),
          said['text'],
        );
        const steps = await store.dtrSessions.steps(qr['identifier']['value']);
        assert.equal(steps.at(-1)?.determination.outcome, want.outcome);
        assert.equal(steps.at(-1)?.status, 'completed');

        if (!c.pas) return;
        const claim = withQuestionnaireResponse(
          pasBundle(c.order, medicationRequest(c.order), `loop-${c.fact}-${code}`),
          qr,
        );
        const pas = await postJson(app, '/fhir/Claim/$submit', claim);
        assert.equal(pas.statusCode, 200, pas.body);
        const cr = (pas.json() as J)['entry'][0]['resource'] as J;
        assert.deepEqual(r4Errors(cr), []);
        assert.deepEqual(claimResponseProblems(cr), []);
        const adjudication = cr['item'][0]['adjudication'][0] as J;
        const action = (adjudication['extension'] as J[]).find(
          (e) => e['url'] === REVIEW_ACTION_URL,
        )!;
        assert.equal(
          action['extension'][0]['valueCodeableConcept']['coding'][0]['code'],
          REVIEW_ACTION[code],
        );
        if (code !== 'ASKU') {
          const said = JSON.stringify(cr).replace(/\s+/g, ' ');
          assert.ok(said.includes(c.quote), `the ClaimResponse quotes “${c.quote}”: ${said}`);
        }
      });
});

// Medica MB2300 gives no sentence under which IV ketamine is covered for a Medicare Cost member:
// statement 2.1 decides (seed 004 line 54), whatever the provider's participation, which line 22
// ties only to prior authorization. So the honest loop asks nothing: CRD says not covered and
// names no form, the package explains why (oper-8), and PAS denies without a questionnaire.
describe('the DTR loop for a Medica Medicare Cost member: nothing to ask, not covered', () => {
  const MEDICA: OrderOptions = {
    payerName: 'Medica',
    planName: 'Dean Care Gold',
    requestedVersion: '2.2',
  };
  const quote =
    '2.1 IV Ketamine is considered not covered due to insufficient evidence to demonstrate long-term clinical efficacy and safety for treatment of chronic pain';
  let store: AuditStore;
  let app: FastifyInstance;
  before(async () => {
    store = await openStore({ dataDir: 'memory://' });
    app = await testServer(ctx, store);
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('CRD not covered without a form; the package says why; PAS A3 quoting line 54', async () => {
    assert.ok(seedLine('medica-mb2300.txt', 54).includes(quote));
    const { info, assertionId } = await orderSign(app, MEDICA);
    assert.deepEqual(info['covered'], ['not-covered']);
    assert.equal(info['questionnaire'], undefined);
    assert.equal(info['doc-needed'], undefined);

    const pkg = await postJson(
      app,
      PACKAGE,
      packageCall(MEDICA, [{ name: 'context', valueString: assertionId }]),
    );
    assert.equal(pkg.statusCode, 200, pkg.body);
    conformant(pkg.json(), packageOutputProblems(pkg.json()));
    const params = (pkg.json() as J)['parameter'] as J[];
    assert.equal(params.filter((p) => p['name'] === 'packagebundle').length, 0);
    const outcome = params.find((p) => p['name'] === 'outcome')!['resource'] as J;
    assert.ok(JSON.stringify(outcome).includes(quote), JSON.stringify(outcome));

    const claim = pasBundle(MEDICA, medicationRequest(MEDICA), 'loop-medica') as J;
    const pas = await postJson(app, '/fhir/Claim/$submit', claim);
    assert.equal(pas.statusCode, 200, pas.body);
    const cr = (pas.json() as J)['entry'][0]['resource'] as J;
    assert.deepEqual(r4Errors(cr), []);
    assert.deepEqual(claimResponseProblems(cr), []);
    const action = (cr['item'][0]['adjudication'][0]['extension'] as J[]).find(
      (e) => e['url'] === REVIEW_ACTION_URL,
    )!;
    assert.equal(action['extension'][0]['valueCodeableConcept']['coding'][0]['code'], 'A3');
    assert.ok(JSON.stringify(cr).includes(quote));
  });
});
